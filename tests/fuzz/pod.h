// The fixed live object the patch fuzzers patch: tests/fixtures/pod-running.json (a running Pod
// with managedFields of two managers, volumes, tolerations and status), as the apiserver holds it.
#pragma once

#include "apiserver/patch/patch.h"

namespace pk::fuzz {

inline const patch::Json& LivePod() {
  static const patch::Json pod = patch::Json::parse(R"json({
 "kind": "Pod",
 "apiVersion": "v1",
 "metadata": {
  "name": "network-tool1",
  "namespace": "default",
  "uid": "c7173455-4a47-4d7f-818d-6634df001f15",
  "resourceVersion": "744176",
  "creationTimestamp": "2023-03-09T06:59:09Z",
  "annotations": {
   "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{\"sidecar.istio.io/inject\":\"false\"},\"name\":\"network-tool1\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"image\":\"zhaohuabing/network-tool\",\"name\":\"network-tool1\",\"securityContext\":{\"capabilities\":{\"add\":[\"NET_ADMIN\"]}}}]}}\n",
   "sidecar.istio.io/inject": "false"
  },
  "managedFields": [
   {
    "manager": "kubectl-client-side-apply",
    "operation": "Update",
    "apiVersion": "v1",
    "time": "2023-03-09T06:59:09Z",
    "fieldsType": "FieldsV1",
    "fieldsV1": {
     "f:metadata": {
      "f:annotations": {
       ".": {},
       "f:kubectl.kubernetes.io/last-applied-configuration": {},
       "f:sidecar.istio.io/inject": {}
      }
     },
     "f:spec": {
      "f:containers": {
       "k:{\"name\":\"network-tool1\"}": {
        ".": {},
        "f:image": {},
        "f:imagePullPolicy": {},
        "f:name": {},
        "f:resources": {},
        "f:securityContext": {
         ".": {},
         "f:capabilities": {
          ".": {},
          "f:add": {}
         }
        },
        "f:terminationMessagePath": {},
        "f:terminationMessagePolicy": {}
       }
      },
      "f:dnsPolicy": {},
      "f:enableServiceLinks": {},
      "f:restartPolicy": {},
      "f:schedulerName": {},
      "f:securityContext": {},
      "f:terminationGracePeriodSeconds": {}
     }
    }
   },
   {
    "manager": "kubelet",
    "operation": "Update",
    "apiVersion": "v1",
    "time": "2023-03-10T13:36:54Z",
    "fieldsType": "FieldsV1",
    "fieldsV1": {
     "f:status": {
      "f:conditions": {
       "k:{\"type\":\"ContainersReady\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:status": {},
        "f:type": {}
       },
       "k:{\"type\":\"Initialized\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:status": {},
        "f:type": {}
       },
       "k:{\"type\":\"Ready\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:status": {},
        "f:type": {}
       }
      },
      "f:containerStatuses": {},
      "f:hostIP": {},
      "f:phase": {},
      "f:podIP": {},
      "f:podIPs": {
       ".": {},
       "k:{\"ip\":\"10.244.0.6\"}": {
        ".": {},
        "f:ip": {}
       }
      },
      "f:startTime": {}
     }
    }
   }
  ]
 },
 "spec": {
  "volumes": [
   {
    "name": "kube-api-access-rdz4f",
    "projected": {
     "sources": [
      {
       "serviceAccountToken": {
        "expirationSeconds": 3607,
        "path": "token"
       }
      },
      {
       "configMap": {
        "name": "kube-root-ca.crt",
        "items": [
         {
          "key": "ca.crt",
          "path": "ca.crt"
         }
        ]
       }
      },
      {
       "downwardAPI": {
        "items": [
         {
          "path": "namespace",
          "fieldRef": {
           "apiVersion": "v1",
           "fieldPath": "metadata.namespace"
          }
         }
        ]
       }
      }
     ],
     "defaultMode": 420
    }
   }
  ],
  "containers": [
   {
    "name": "network-tool1",
    "image": "zhaohuabing/network-tool",
    "resources": {},
    "volumeMounts": [
     {
      "name": "kube-api-access-rdz4f",
      "readOnly": true,
      "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"
     }
    ],
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "imagePullPolicy": "Always",
    "securityContext": {
     "capabilities": {
      "add": [
       "NET_ADMIN"
      ]
     }
    }
   }
  ],
  "restartPolicy": "Always",
  "terminationGracePeriodSeconds": 30,
  "dnsPolicy": "ClusterFirst",
  "serviceAccountName": "default",
  "serviceAccount": "default",
  "nodeName": "aeraki-control-plane",
  "securityContext": {},
  "schedulerName": "default-scheduler",
  "tolerations": [
   {
    "key": "node.kubernetes.io/not-ready",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300
   },
   {
    "key": "node.kubernetes.io/unreachable",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300
   }
  ],
  "priority": 0,
  "enableServiceLinks": true,
  "preemptionPolicy": "PreemptLowerPriority"
 },
 "status": {
  "phase": "Running",
  "conditions": [
   {
    "type": "Initialized",
    "status": "True",
    "lastProbeTime": null,
    "lastTransitionTime": "2023-03-09T06:59:09Z"
   },
   {
    "type": "Ready",
    "status": "True",
    "lastProbeTime": null,
    "lastTransitionTime": "2023-03-10T13:36:54Z"
   },
   {
    "type": "ContainersReady",
    "status": "True",
    "lastProbeTime": null,
    "lastTransitionTime": "2023-03-10T13:36:54Z"
   },
   {
    "type": "PodScheduled",
    "status": "True",
    "lastProbeTime": null,
    "lastTransitionTime": "2023-03-09T06:59:09Z"
   }
  ],
  "hostIP": "172.20.0.2",
  "podIP": "10.244.0.6",
  "podIPs": [
   {
    "ip": "10.244.0.6"
   }
  ],
  "startTime": "2023-03-09T06:59:09Z",
  "containerStatuses": [
   {
    "name": "network-tool1",
    "state": {
     "running": {
      "startedAt": "2023-03-10T13:36:53Z"
     }
    },
    "lastState": {
     "terminated": {
      "exitCode": 255,
      "reason": "Unknown",
      "startedAt": "2023-03-09T06:59:18Z",
      "finishedAt": "2023-03-10T13:31:39Z",
      "containerID": "containerd://63447ff37e212b476f96fd7529d734a7ae965c38d596d585bbe6a14b7b38f0ec"
     }
    },
    "ready": true,
    "restartCount": 1,
    "image": "docker.io/zhaohuabing/network-tool:latest",
    "imageID": "docker.io/zhaohuabing/network-tool@sha256:5843e4f12742f0e34932ba42205f177a62d930eadb419d99fa4881483ea46629",
    "containerID": "containerd://a8c787bc61c1f09d901ac91065b1462533ea32293c43afe3021efd8c92366375",
    "started": true
   }
  ],
  "qosClass": "BestEffort"
 }
})json");
  return pod;
}

}  // namespace pk::fuzz
