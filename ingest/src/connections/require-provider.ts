import type { Config } from '../config.ts';
import { ConflictError } from '../errors.ts';
import type { Provider, ProviderId } from '../providers/provider.ts';
import { providersFor, setupHint } from '../providers/registry.ts';

/** The configured provider, or a clear 409 naming the keys an admin must set. */
export function requireProvider(config: Config, id: ProviderId): Provider {
  const provider = providersFor(config.wearables).get(id);
  if (!provider) throw new ConflictError(setupHint(id));
  return provider;
}
