#!/usr/bin/python3
"""The official Python client (Debian python3-kubernetes) against a fresh apiserver:
CRUD, errors as ApiException codes, optimistic concurrency, watch, selectors, paging,
the scale and status subresources, binding and graceful deletion."""
import os, subprocess, sys, tempfile, threading, time
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

work = tempfile.mkdtemp()
port_file = os.path.join(work, "port")
server = subprocess.Popen([os.path.join(os.environ["PK_BIN_DIR"], "apiserver"), "--data-dir",
                           os.path.join(work, "data"), "--port", "0", "--port-file", port_file,
                           # no controller-manager makes the "default" service accounts
                           "--disable-admission-plugins=ServiceAccount"],
                          stderr=open(os.path.join(work, "log"), "w"))
for _ in range(200):
    if os.path.exists(port_file) and open(port_file).read().strip(): break
    time.sleep(0.05)
port = open(port_file).read().strip()
cfg = client.Configuration(); cfg.host = f"http://127.0.0.1:{port}"
api = client.ApiClient(cfg)
core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
passed = failed = 0

def check(name, cond, detail=""):
    global passed, failed
    if cond: passed += 1; print("PASS", name)
    else: failed += 1; print("FAIL", name, detail)

def code(fn):
    try: fn(); return 200
    except ApiException as e: return e.status

def pod(name, **labels):
    return client.V1Pod(metadata=client.V1ObjectMeta(name=name, labels=labels or {"app": "py"}),
                        spec=client.V1PodSpec(scheduler_name="none",
                                              containers=[client.V1Container(name="c", image="nginx")]))
try:
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="py")))
    # What the controller-manager's serviceaccount controller would make (an apiserver runs
    # alone here): the ServiceAccount admission plugin wants it before any pod.
    core.create_namespaced_service_account(
        "py", client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="default")))
    p = core.create_namespaced_pod("py", pod("a"))
    check("created with uid", len(p.metadata.uid) == 36)
    check("defaults applied", p.spec.restart_policy == "Always" and p.spec.dns_policy == "ClusterFirst"
          and p.spec.containers[0].image_pull_policy == "Always" and p.status.phase == "Pending")
    check("409 on duplicate", code(lambda: core.create_namespaced_pod("py", pod("a"))) == 409)
    check("404 on missing", code(lambda: core.read_namespaced_pod("zz", "py")) == 404)
    bad = pod("b"); bad.spec.containers[0].image = None
    check("422 on invalid", code(lambda: core.create_namespaced_pod("py", bad)) == 422)
    check("404 in missing namespace", code(lambda: core.create_namespaced_pod("nope", pod("x"))) == 404)

    fresh = core.read_namespaced_pod("a", "py"); fresh.metadata.labels["v"] = "1"
    core.replace_namespaced_pod("a", "py", fresh)
    check("409 on stale update", code(lambda: core.replace_namespaced_pod("a", "py", fresh)) == 409)

    rv = core.list_namespaced_pod("py").metadata.resource_version
    seen = []
    def watcher():
        w = watch.Watch()
        for ev in w.stream(core.list_namespaced_pod, "py", resource_version=rv, timeout_seconds=10):
            seen.append((ev["type"], ev["object"].metadata.name))
            if ev["type"] == "DELETED": w.stop()
    t = threading.Thread(target=watcher); t.start(); time.sleep(0.5)
    core.create_namespaced_pod("py", pod("c"))
    core.patch_namespaced_pod("c", "py", {"metadata": {"labels": {"x": "y"}}})
    core.delete_namespaced_pod("c", "py")
    t.join(15)
    check("watch sees the changes in order", seen == [("ADDED", "c"), ("MODIFIED", "c"), ("DELETED", "c")], str(seen))

    core.create_namespaced_pod("py", pod("d", app="py", tier="x"))
    check("label selector", [i.metadata.name for i in core.list_namespaced_pod("py", label_selector="tier=x").items] == ["d"])
    check("field selector", [i.metadata.name for i in core.list_namespaced_pod("py", field_selector="metadata.name=a").items] == ["a"])
    first = core.list_namespaced_pod("py", limit=1)
    second = core.list_namespaced_pod("py", limit=1, _continue=first.metadata._continue)
    check("paging", len(first.items) == 1 and len(second.items) == 1 and first.items[0].metadata.name != second.items[0].metadata.name)

    status = core.read_namespaced_pod_status("a", "py")
    status.status.phase = "Running"; status.spec.containers[0].image = "ignored"
    out = core.replace_namespaced_pod_status("a", "py", status)
    check("status subresource changes status only", out.status.phase == "Running" and out.spec.containers[0].image == "nginx")

    core.create_namespaced_pod_binding("a", "py", client.V1Binding(metadata=client.V1ObjectMeta(name="a"),
        target=client.V1ObjectReference(kind="Node", name="n1")), _preload_content=False)
    check("binding sets nodeName", core.read_namespaced_pod("a", "py").spec.node_name == "n1")
    check("second binding is 409", code(lambda: core.create_namespaced_pod_binding("a", "py", client.V1Binding(
        metadata=client.V1ObjectMeta(name="a"), target=client.V1ObjectReference(kind="Node", name="n2")), _preload_content=False)) == 409)
    gone = core.delete_namespaced_pod("a", "py")
    check("bound pod is deleted gracefully", gone.metadata.deletion_timestamp is not None
          and code(lambda: core.read_namespaced_pod("a", "py")) == 200)
    core.delete_namespaced_pod("a", "py", grace_period_seconds=0)
    check("grace 0 removes it", code(lambda: core.read_namespaced_pod("a", "py")) == 404)

    dep = client.V1Deployment(metadata=client.V1ObjectMeta(name="d"),
        spec=client.V1DeploymentSpec(replicas=2, selector=client.V1LabelSelector(match_labels={"app": "d"}),
            template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"app": "d"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]))))
    apps.create_namespaced_deployment("py", dep)
    check("scale reads replicas", apps.read_namespaced_deployment_scale("d", "py").spec.replicas == 2)
    apps.patch_namespaced_deployment_scale("d", "py", {"spec": {"replicas": 4}})
    d = apps.read_namespaced_deployment("d", "py")
    check("scale patch writes replicas and bumps generation", d.spec.replicas == 4 and d.metadata.generation == 2)
    core.delete_namespace("py")
    check("namespace terminating", core.read_namespace("py").status.phase == "Terminating")
finally:
    server.terminate(); server.wait(10)
    if failed: print(open(os.path.join(work, "log")).read()[-3000:])
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
