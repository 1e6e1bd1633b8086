// Validates an OpenAPI document with @apidevtools/swagger-parser (schema of the OpenAPI version, then its $refs).
// Usage: node validate.mjs FILE. Prints "valid <version> <paths>" and exits 0, or prints the errors and exits 1.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs FILE");
  process.exit(2);
}

try {
  const api = await SwaggerParser.validate(file);
  console.log(`valid ${api.openapi} ${Object.keys(api.paths ?? {}).length}`);
} catch (error) {
  console.error(`invalid: ${error.message}`);
  process.exit(1);
}
