import { readFileSync } from 'node:fs';
import { createAjv } from './openapi.ts';

/**
 * Webhook deliveries held to a vendor's AsyncAPI document (beside this file: the vendor's YAML
 * written out as JSON, nothing else changed): each payload is checked against the schema whose
 * `event` enum names its event, with the formats the OpenAPI checks use.
 */
export function loadPayloadContract(file: URL): (body: string) => string[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    components: { schemas: Record<string, { properties?: { event?: { enum?: string[] } } }> };
  };
  const ajv = createAjv();
  const byEvent = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const schema of Object.values(doc.components.schemas)) {
    for (const event of schema.properties?.event?.enum ?? []) byEvent.set(event, ajv.compile(schema));
  }
  return (body) => {
    const payload = JSON.parse(body) as { event?: unknown };
    const validate = byEvent.get(String(payload.event));
    if (!validate) return [`event ${String(payload.event)} is not documented`];
    if (validate(payload)) return [];
    return (validate.errors ?? []).map((e) =>
      `${String(payload.event)}: ${e.instancePath || '/'} ${e.message ?? ''}`.trim()
    );
  };
}
