// Validates Kubernetes objects against the official OpenAPI schemas (kubernetes-models) and the Prometheus
// Operator's CRD schemas (@kubernetes-models/prometheus-operator).
//   node validate.mjs FILE...   prints one JSON line per object: {file, apiVersion, kind, name, errors}
// Exit code 0 when every object is valid, 1 when one is not (or its kind has no schema), 2 on bad usage.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// apiVersion -> module holding one class per kind.
function modulePath(apiVersion) {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  }
  return `kubernetes-models/${apiVersion}`;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE...");
  process.exit(2);
}

let failed = false;
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      console.log(JSON.stringify({ file, errors: doc.errors.map((e) => e.message) }));
      failed = true;
      continue;
    }
    const object = doc.toJS();
    if (object === null) {
      continue;
    }
    const result = { file, apiVersion: object.apiVersion, kind: object.kind, name: object.metadata?.name, errors: [] };
    try {
      const mod = await import(modulePath(String(object.apiVersion)));
      const Model = mod[object.kind];
      if (typeof Model !== "function") {
        throw new Error(`no schema for kind ${object.kind} in ${object.apiVersion}`);
      }
      new Model(object).validate();
    } catch (e) {
      result.errors.push(e.code === "ERR_MODULE_NOT_FOUND" || e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED"
        ? `no schema for apiVersion ${object.apiVersion}` : e.message);
    }
    failed ||= result.errors.length > 0;
    console.log(JSON.stringify(result));
  }
}
process.exit(failed ? 1 : 0);
