import { z } from 'zod';
import { Id, Paging } from '../listing.ts';
import { PROVIDER_IDS } from '../providers/provider.ts';
import { CONNECTION_STATUSES } from './store.ts';

const Provider = z.enum(PROVIDER_IDS, { message: `expected one of ${PROVIDER_IDS.join(', ')}` });

export const NewConnectLink = z.strictObject({ provider: Provider });

export const MoveConnection = z.strictObject({ participantId: Id });

export const ConnectionQuery = Paging.omit({ deleted: true }).extend({
  studyId: Id.optional(),
  participantId: Id.optional(),
  provider: Provider.optional(),
  status: z.enum(CONNECTION_STATUSES).optional(),
});
