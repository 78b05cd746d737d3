import type { Knex } from 'knex';
import { z } from 'zod';

/** Query parameters every admin list accepts. */
export const Paging = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  /** `exclude` (default): live rows; `only`: the trash; `include`: both. */
  deleted: z.enum(['exclude', 'include', 'only']).default('exclude'),
});

export type DeletedMode = z.infer<typeof Paging>['deleted'];

export function whereDeleted(q: Knex.QueryBuilder, column: string, mode: DeletedMode): void {
  if (mode === 'exclude') void q.whereNull(column);
  if (mode === 'only') void q.whereNotNull(column);
}

/** Escapes LIKE wildcards so a search for `50%` finds that text, not everything. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

export const Id = z.coerce.number().int().positive().max(4294967295);
