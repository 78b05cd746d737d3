import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * Contract checks of simulator traffic against a vendor's own OpenAPI 3.0 document (beside this
 * file: the vendor's published YAML read as YAML 1.1 and written out as JSON, nothing else changed;
 * tests never read `../shared`). Each recorded
 * exchange must match a documented operation, send only documented parameters with values of their
 * documented types and every required one, and get a documented status whose JSON body validates
 * against the documented schema.
 *
 * Where a document is looser than OpenAPI (Withings: operations told apart by trailing spaces in
 * the path and the `action` named in prose, non-JSON types such as `list of integers`, required
 * parameters that are alternatives, "DO NOT USE WITH FOLLOWING PARAMS: [...]"), the reading is the
 * one its prose states; each such rule is in `normalise` or `requiredMissing` below.
 */

export type Exchange = {
  method: string;
  /** The path as the vendor would see it, without the host. */
  path: string;
  /** Query and (for form posts) body parameters. */
  params: Record<string, string>;
  /** A JSON request body, parsed. */
  json?: unknown;
  headers: Record<string, string>;
  status: number;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
};

export type Contract = {
  /** The operation an exchange is for, or why none matches. */
  operationOf(exchange: Exchange): { id: string } | { problem: string };
  /** Every way the exchange departs from the document (empty when it conforms). */
  check(exchange: Exchange): string[];
};

type Json = Record<string, unknown>;
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Json };
type Operation = {
  id: string;
  method: string;
  template: string;
  pattern: RegExp;
  /** Withings: the `action` value the operation takes, from its prose. */
  action: string | undefined;
  parameters: Parameter[];
  /** Schemas of a form body, some told apart by a discriminator (Withings' token request). */
  bodySchemas: (Json | undefined)[];
  jsonBodySchema: unknown;
  op: Json;
};

const JSON_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'object', 'array']);
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A schema ajv can read: `$ref`s inlined, types that are not JSON types read by their prose
 * (`array of integers` is an array; `id64`, `timezone`, `json` and the like carry no JSON type),
 * Withings' empty `properties: []` dropped, and OpenAPI's boolean `required` on a property removed.
 */
function normalise(schema: unknown, doc: Json, depth = 0): unknown {
  if (depth > 40) return {};
  if (Array.isArray(schema)) return schema.map((s) => normalise(s, doc, depth + 1));
  if (!isObject(schema)) return schema;
  if (typeof schema.$ref === 'string') return normalise(resolveRef(doc, schema.$ref), doc, depth + 1);
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && typeof value === 'string') {
      if (JSON_TYPES.has(value)) out.type = value;
      else if (/^(array|list) of/.test(value) || value === 'json_array') out.type = 'array';
    } else if (key === 'properties') {
      if (isObject(value)) {
        out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, doc, depth + 1)]));
      }
    } else if (key === 'required') {
      if (Array.isArray(value)) out.required = value;
    } else if (key === 'example' || key === 'description' || key === 'discriminator' || key === 'xml') {
      continue;
    } else {
      out[key] = normalise(value, doc, depth + 1);
    }
  }
  return out;
}

function resolveRef(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref} is not supported`);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    node = isObject(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  if (node === undefined) throw new Error(`$ref ${ref} does not resolve`);
  return node;
}

/** The value named in prose such as "Must take the string value ```getmeas```." */
const proseValue = (text: unknown) => (typeof text === 'string' ? /```([^`]+)```/.exec(text)?.[1] : undefined);

export function createAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat('Y-m-d', /^\d{4}-\d{2}-\d{2}$/);
  // Polar's date-times are local times with or without an offset ("2019-01-01T08:00:00.000").
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/);
  for (const name of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'uri', 'timestamp']) {
    ajv.addFormat(name, true);
  }
  return ajv;
}

/** Whether a parameter's text (form or query values are text) is of the parameter's documented type. */
function valueProblem(p: Parameter, value: string): string | undefined {
  const schema = p.schema ?? {};
  const type = typeof schema.type === 'string' ? schema.type : 'string';
  const ok =
    type === 'integer' || type === 'rawint32'
      ? /^-?\d+$/.test(value)
      : type === 'number'
        ? value.trim() !== '' && Number.isFinite(Number(value))
        : type === 'boolean'
          ? value === 'true' || value === 'false'
          : /^(array|list) of integers?$/.test(type)
            ? /^-?\d+(,-?\d+)*$/.test(value)
            : true;
  if (!ok) return `parameter ${p.name}=${JSON.stringify(value)} is not of type ${type}`;
  if (schema.format === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return `parameter ${p.name}=${JSON.stringify(value)} is not a date (YYYY-MM-DD)`;
  }
  if (Array.isArray(schema.enum) && !schema.enum.map(String).includes(value)) {
    return `parameter ${p.name}=${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`;
  }
  return undefined;
}

/**
 * A documented required parameter that was not sent, unless the document says it is an
 * alternative ("DO NOT USE WITH FOLLOWING PARAMS: [a, b]") and one of those was sent.
 */
function requiredMissing(p: Parameter, sent: ReadonlySet<string>): boolean {
  if (!p.required || sent.has(p.name)) return false;
  const alternatives = /DO NOT USE WITH FOLLOWING PARAMS: \[([^\]]*)\]/.exec(p.description ?? '')?.[1];
  if (!alternatives) return true;
  return !alternatives.split(',').some((name) => sent.has(name.trim()));
}

/**
 * A form body against the schemas the operation documents for it: fine when one variant (chosen
 * by its discriminator, as Withings' token request is) has every required field and nothing else.
 */
function bodyProblems(schemas: (Json | undefined)[], params: Record<string, string>, doc: Json): string[] {
  let first: string[] | undefined;
  for (const raw of schemas) {
    if (!raw) continue;
    const discriminator = raw.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
    const chosen = discriminator?.propertyName
      ? discriminator.mapping?.[params[discriminator.propertyName] ?? '']
      : undefined;
    const schema = (chosen ? resolveRef(doc, chosen) : raw) as Json;
    const properties = { ...((raw.properties as Json | undefined) ?? {}), ...((schema.properties as Json) ?? {}) };
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const problems = [
      ...(discriminator?.propertyName && !chosen
        ? [`body ${discriminator.propertyName}=${String(params[discriminator.propertyName])} is not documented`]
        : []),
      ...required.filter((name) => params[name] === undefined).map((name) => `required body field ${name} not sent`),
      ...Object.keys(params)
        .filter((name) => !(name in properties))
        .map((name) => `body field ${name} is not documented`),
    ];
    if (problems.length === 0) return [];
    first ??= problems;
  }
  return first ?? [];
}

/**
 * A place where the vendor's schema contradicts what the vendor's servers were recorded answering:
 * the property (by names from the operation's 200 JSON schema) gets `schema(documented)`. Each
 * says where it was observed.
 */
export type Correction = {
  operationId: string;
  at: string[];
  schema: (documented: Json) => Json;
  observed: string;
};

function correct(doc: Json, operations: Operation[], corrections: readonly Correction[]): void {
  for (const c of corrections) {
    const op = operations.find((o) => o.id === c.operationId);
    if (!op) throw new Error(`correction for ${c.operationId}: no such operation`);
    const responses = op.op.responses as Json;
    let node = ((((responses['200'] as Json).content as Json)['application/json'] as Json).schema as Json) ?? {};
    const names = [...c.at];
    const last = names.pop()!;
    for (const name of names) {
      const next = (node.properties as Json | undefined)?.[name] as Json | undefined;
      if (!next) throw new Error(`correction for ${c.operationId}: no property ${c.at.join('.')}`);
      node = typeof next.$ref === 'string' ? (resolveRef(doc, next.$ref) as Json) : next;
    }
    const properties = node.properties as Json | undefined;
    if (!properties?.[last]) throw new Error(`correction for ${c.operationId}: no property ${c.at.join('.')}`);
    properties[last] = c.schema(properties[last] as Json);
  }
}

export function loadContract(
  file: URL,
  { host = '', corrections = [] }: { host?: string; corrections?: readonly Correction[] } = {}
): Contract {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const ajv = createAjv();
  const operations: Operation[] = [];
  for (const [rawPath, item] of Object.entries(doc.paths as Json)) {
    if (!isObject(item)) continue;
    const template = rawPath.trim().replace(host, '');
    const shared = (Array.isArray(item.parameters) ? item.parameters : []) as Json[];
    for (const [method, op] of Object.entries(item)) {
      if (!isObject(op) || !['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters = [...shared, ...((op.parameters as Json[] | undefined) ?? [])].map(
        (p) => (typeof p.$ref === 'string' ? resolveRef(doc, p.$ref) : p) as Parameter
      );
      const content = ((op.requestBody as Json | undefined)?.content as Json | undefined) ?? {};
      const jsonBodySchema = (content['application/json'] as Json | undefined)?.schema;
      const bodySchemas = Object.entries(content)
        .filter(([type]) => !type.includes('json') && !type.includes('xml'))
        .map(([, c]) => (c as Json).schema as Json | undefined);
      const action =
        proseValue(parameters.find((p) => p.name === 'action')?.description) ??
        bodySchemas
          .map((b) => proseValue(((b?.properties as Json | undefined)?.action as Json)?.description))
          .find(Boolean);
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)')}$`);
      operations.push({
        id: typeof op.operationId === 'string' ? op.operationId : `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        pattern,
        action,
        parameters,
        bodySchemas,
        jsonBodySchema,
        op,
      });
    }
  }

  correct(doc, operations, corrections);

  const compiled = new Map<unknown, ValidateFunction>();
  const validator = (schema: unknown) => {
    let v = compiled.get(schema);
    if (!v) compiled.set(schema, (v = ajv.compile(normalise(schema, doc) as Json)));
    return v;
  };

  const find = (e: Exchange): Operation | { problem: string } => {
    const byPath = operations.filter((o) => o.method === e.method && o.pattern.test(e.path));
    if (byPath.length === 0) return { problem: `${e.method} ${e.path} is not a documented operation` };
    const action = e.params.action;
    const candidates = byPath.some((o) => o.action !== undefined) ? byPath.filter((o) => o.action === action) : byPath;
    if (candidates.length === 0) {
      return { problem: `${e.method} ${e.path} action=${String(action)} is not a documented operation` };
    }
    // A literal segment is more specific than a path parameter (`/v3/users/activities` over `/v3/users/{user-id}`).
    const literal = (o: Operation) => o.template.split('/').filter((s) => !s.startsWith('{')).length;
    return candidates.sort((a, b) => literal(b) - literal(a))[0]!;
  };

  return {
    operationOf(e) {
      const o = find(e);
      return 'problem' in o ? o : { id: o.id };
    },
    check(e) {
      const o = find(e);
      if ('problem' in o) return [o.problem];
      const problems: string[] = [];
      const at = `${o.id} (${e.method} ${e.path})`;
      const documented = new Map(o.parameters.map((p) => [p.name, p]));
      const sent = new Set(Object.keys(e.params));
      // Withings' notify-subscribe: "for the Health Data APIs: use a valid access_token in the
      // header but don't use signature and nonce", so a Bearer header is the `access_token` alternative.
      if (/^Bearer /.test(e.headers.authorization ?? '')) sent.add('access_token');
      if (e.json !== undefined) {
        if (o.jsonBodySchema === undefined) problems.push(`${at}: a JSON body is not documented`);
        else {
          const validate = validator(o.jsonBodySchema);
          if (!validate(e.json)) {
            for (const err of validate.errors ?? []) {
              problems.push(`${at}: request body ${err.instancePath || '/'} ${err.message ?? ''}`.trimEnd());
            }
          }
        }
      }
      const body = o.bodySchemas.length > 0 ? bodyProblems(o.bodySchemas, e.params, doc) : undefined;
      if (body) problems.push(...body.map((p) => `${at}: ${p}`));
      for (const [name, value] of Object.entries(e.params)) {
        const p = documented.get(name);
        if (!p) {
          if (!body) problems.push(`${at}: parameter ${name} is not documented`);
          continue;
        }
        const problem = valueProblem(p, value);
        if (problem) problems.push(`${at}: ${problem}`);
      }
      for (const p of o.parameters) {
        if (p.in === 'query' && requiredMissing(p, sent)) problems.push(`${at}: required parameter ${p.name} not sent`);
        if (p.in === 'header' && p.required && e.headers[p.name.toLowerCase()] === undefined) {
          problems.push(`${at}: required header ${p.name} not sent`);
        }
      }
      const match = o.pattern.exec(e.path);
      const pathParams = o.parameters.filter((p) => p.in === 'path');
      pathParams.forEach((p, i) => {
        const value = match?.[i + 1];
        const problem = value === undefined ? undefined : valueProblem(p, decodeURIComponent(value));
        if (problem) problems.push(`${at}: path ${problem}`);
      });

      const responses = o.op.responses as Json;
      const documentedResponse = (responses[String(e.status)] ?? responses.default) as Json | undefined;
      if (!documentedResponse) {
        problems.push(`${at}: status ${e.status} is not documented (${Object.keys(responses).join(', ')})`);
        return problems;
      }
      const schema = ((documentedResponse.content as Json | undefined)?.['application/json'] as Json | undefined)
        ?.schema;
      if (e.body !== undefined && schema !== undefined) {
        const validate = validator(schema);
        if (!validate(e.body)) {
          for (const err of validate.errors ?? []) {
            problems.push(`${at}: response ${err.instancePath || '/'} ${err.message ?? ''}`.trimEnd());
          }
        }
      } else if (e.body !== undefined && schema === undefined && e.status < 300) {
        problems.push(`${at}: status ${e.status} is documented without a body, but one was sent`);
      }
      return problems;
    },
  };
}
