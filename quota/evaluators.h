// What the files of quota/ share. Internal to quota/.
#pragma once

#include "quota/quota.h"

namespace pk::quota {

const Evaluator& PodEvaluatorInstance();
const Evaluator& ServiceEvaluatorInstance();
const Evaluator& ClaimEvaluatorInstance();
bool PodMatchesScope(const Selector& selector, const k8s::core::v1::Pod& pod);

}  // namespace pk::quota
