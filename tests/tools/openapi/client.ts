// A client typed by the types openapi-typescript generates from DataTier's /openapi/v1.json (generated/datatier.ts):
// a routed read, a write, a transaction, a scatter read and a refused read through openapi-fetch, each answer checked
// against its schema in the document.
// Usage: node dist/client.js DOCUMENT BASE_URL API_KEY SHARD_KEY. Prints one JSON object.
import createClient from "openapi-fetch";
import SwaggerParser from "@apidevtools/swagger-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { paths, components } from "./generated/datatier.js";

type QueryAnswer = components["schemas"]["QueryAnswer"];
type Problem = components["schemas"]["DataTierProblem"];

const [documentFile, baseUrl, apiKey, shardKey] = process.argv.slice(2);
if (!documentFile || !baseUrl || !apiKey || !shardKey) {
  console.error("usage: node dist/client.js DOCUMENT BASE_URL API_KEY SHARD_KEY");
  process.exit(2);
}

// The answer schemas, from the same document the types were generated from.
const document = (await SwaggerParser.dereference(documentFile)) as any;
const query = document.paths["/v1/query"].post.responses;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const answerIsValid = ajv.compile(query["200"].content["application/json"].schema);
const problemIsValid = ajv.compile(query["400"].content["application/problem+json"].schema);

const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });

const read = await client.POST("/v1/query", {
  body: {
    shardKey,
    sql: "select team_id, name from teams where team_id = @team",
    params: { team: shardKey },
    consistency: "strong",
  },
});
if (!read.data) {
  console.error(`the read failed: ${read.response.status} ${JSON.stringify(read.error)}`);
  process.exit(1);
}

const answer: QueryAnswer = read.data;
const rows = answer.rows.map((row) => ({ team_id: String(row["team_id"]), name: String(row["name"]) }));

// The other three endpoints, each answer checked against its own schema: a write that changes nothing, the same as
// a transaction, and a read across every shard.
const responses = (path: string) => document.paths[path].post.responses["200"].content["application/json"].schema;
const schemaErrors: Record<string, unknown> = {};
const check = (path: string, body: unknown) => {
  const valid = ajv.compile(responses(path));
  schemaErrors[path] = valid(body) ? [] : valid.errors;
};
const same = { sql: "update teams set name = name where team_id = @team", params: { team: shardKey } };
const executed = await client.POST("/v1/execute", { body: { shardKey, ...same } });
const transacted = await client.POST("/v1/transaction", { body: { shardKey, statements: [same, same] } });
const scattered = await client.POST("/v1/scatter", { body: { sql: "select count(*) as teams from teams", consistency: "strong" } });
if (!executed.data || !transacted.data || !scattered.data) {
  console.error(`a call failed: ${JSON.stringify([executed.error, transacted.error, scattered.error])}`);
  process.exit(1);
}
check("/v1/execute", executed.data);
check("/v1/transaction", transacted.data);
check("/v1/scatter", scattered.data);
const writes = {
  rowsAffected: executed.data.rowsAffected,
  transactionRowsAffected: transacted.data.results.map((r) => r.rowsAffected),
  tokenIssued: executed.data.token.length > 0,
  scatterShards: scattered.data.shards.map((s) => s.id).sort(),
  scatterTeams: Number(scattered.data.rows[0]?.["teams"]),
};

// A statement naming a parameter it is not given: a problem whose type the client reads from the typed error.
const refused = await client.POST("/v1/query", {
  body: { shardKey, sql: "select name from teams where team_id = @team", params: {} },
});
const problem: Problem | undefined = refused.error as Problem | undefined;

console.log(JSON.stringify({
  status: read.response.status,
  shard: answer.shard,
  rowCount: answer.rowCount,
  rows,
  answerSchemaErrors: answerIsValid(answer) ? [] : answerIsValid.errors,
  problemStatus: refused.response.status,
  problemType: problem?.type,
  problemSchemaErrors: problemIsValid(problem) ? [] : problemIsValid.errors,
  ...writes,
  schemaErrors,
}));
