// /openapi.json is generated from the operations themselves, so the description cannot
// drift from the routes.
import { z } from "zod";
import type { Operation } from "../operation.js";

const toSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any", target: "openapi-3.0" });

const problem = {
  description: "problem details (RFC 9457)",
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
};

export function buildOpenApi(ops: Operation[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const path = op.path.replace(/:(\w+)/g, "{$1}");
    const params = [...op.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (op.query) {
      const qs = toSchema(op.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(qs.properties ?? {})) {
        params.push({ name, in: "query", required: qs.required?.includes(name) ?? false, schema } as never);
      }
    }
    const requestBody = op.body
      ? { required: true, content: { "application/json": { schema: toSchema(op.body) } } }
      : op.bodyType
        ? { required: true, content: { [op.bodyType]: { schema: { type: "string" } } } }
        : undefined;
    paths[path] ??= {};
    paths[path][op.method] = {
      summary: op.summary,
      tags: [op.tag],
      ...(op.auth === "apiKey" ? { security: [{ apiKey: [] }] } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: {
        [op.success[0]]: {
          description: op.success[1],
          content: {
            [op.responseType ?? "application/json"]: op.response
              ? { schema: z.toJSONSchema(op.response, { io: "output", unrepresentable: "any", target: "openapi-3.0" }) }
              : {},
          },
        },
        "4XX": problem,
      },
    };
  }
  return {
    openapi: "3.0.3",
    info: { title: "warncast", version, description: "Multi-channel public-warning dissemination (预警信息发布)." },
    paths,
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "API key of a warncast user" } },
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "code", "detail"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            code: { type: "string" },
            detail: { type: "string" },
            instance: { type: "string" },
            requestId: { type: "string" },
            errors: {
              type: "array",
              items: {
                type: "object",
                properties: { path: { type: "string" }, message: { type: "string" }, code: { type: "string" } },
              },
            },
          },
        },
      },
    },
  };
}
