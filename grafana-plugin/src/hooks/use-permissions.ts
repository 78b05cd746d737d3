import { OrgRole } from '@grafana/data';
import { config } from '@grafana/runtime';

export type Permissions = { canChange: boolean; role: string; reason: string };

/**
 * Whether the signed-in user may change things. The plugin's proxy routes let only the organisation
 * Admin role through for anything but GET (plugin.json), so that is what decides, not the ingest's
 * own wider rule (which also admits Grafana server admins).
 */
export function usePermissions(): Permissions {
  const role = config.bootData?.user?.orgRole || 'None';
  const canChange = role === OrgRole.Admin;
  return {
    canChange,
    role,
    reason: canChange ? '' : `Only organisation Admins can change this; you are ${article(role)} ${role}.`,
  };
}

const article = (role: string) => (/^[AEIOU]/.test(role) ? 'an' : 'a');
