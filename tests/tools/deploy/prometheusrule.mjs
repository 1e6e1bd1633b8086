// Writes deploy/kubernetes/monitoring/prometheusrule.yaml's content on stdout: the PrometheusRule whose groups are
// those of deploy/prometheus/alerts.yml, the one source of the alert rules.
//   node tests/tools/deploy/prometheusrule.mjs > deploy/kubernetes/monitoring/prometheusrule.yaml
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

const alerts = fileURLToPath(new URL("../../../deploy/prometheus/alerts.yml", import.meta.url));
const groups = parse(readFileSync(alerts, "utf8")).groups;
const rule = {
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PrometheusRule",
  metadata: {
    name: "datatier",
    labels: { "app.kubernetes.io/name": "datatier", "app.kubernetes.io/component": "server" },
  },
  spec: { groups },
};
process.stdout.write(
  "# Generated from deploy/prometheus/alerts.yml by tests/tools/deploy/prometheusrule.mjs: edit alerts.yml, then\n" +
  "# regenerate. KubernetesManifestTests fails when the two differ.\n" +
  stringify(rule, { lineWidth: 0 }));
