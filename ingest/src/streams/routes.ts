import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { Id } from '../listing.ts';
import { findParticipant } from '../participants/store.ts';
import { decryptUpload } from '../uploads/plaintext.ts';
import { findUpload } from '../uploads/store.ts';
import { validate } from '../validate.ts';
import { STREAM_TABLES } from './catalog.ts';

const ById = z.object({ id: Id });
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD');
const QuantityQuery = z
  .object({ from: Day, to: Day, stream: z.enum(Object.keys(STREAM_TABLES) as [string, ...string[]]).optional() })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] });

const AUDIO_TYPES: Record<string, string> = { mp4: 'audio/mp4', wav: 'audio/wav' };

/** What a participant's phone has sent, summarised for the plugin and dashboards. */
export function streamRoutes({ db, vault, archive }: AppDeps) {
  const liveParticipant = async (id: number) => {
    const participant = await findParticipant(db, id);
    if (!participant) throw new NotFoundError(`participant ${id} does not exist`);
    return participant;
  };
  return new Hono<AppEnv>()
    .get('/participants/:id/data/latest', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      await liveParticipant(id);
      // One index lookup per table: each is keyed (participant, time).
      const latest = await Promise.all(
        Object.entries(STREAM_TABLES).map(async ([stream, def]) => {
          const [row] = (await db(def.table).where({ participant_id: id }).max({ t: 't' })) as { t: Date | null }[];
          return { stream, latest: row?.t ?? null };
        })
      );
      return c.json({ participantId: id, streams: latest });
    })
    .get('/participants/:id/data/quantity', validate('param', ById), validate('query', QuantityQuery), async (c) => {
      const { id } = c.req.valid('param');
      const { from, to, stream } = c.req.valid('query');
      await liveParticipant(id);
      const rows = (await db('data_quantity')
        .where({ participant_id: id })
        .whereBetween('day', [from, to])
        .modify((q) => void (stream && q.where({ stream })))
        .orderBy(['day', 'stream'])
        .select('stream', 'day', 'rows', 'bytes', 'expected_rows')) as {
        stream: string;
        day: Date;
        rows: number;
        bytes: number | string;
        expected_rows: number | null;
      }[];
      return c.json({
        participantId: id,
        days: rows.map((r) => ({
          stream: r.stream,
          day: r.day.toISOString().slice(0, 10),
          rows: r.rows,
          bytes: Number(r.bytes),
          expectedRows: r.expected_rows,
          completeness: r.expected_rows ? Math.min(1, r.rows / r.expected_rows) : null,
        })),
      });
    })
    .get('/uploads/:id/audio', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const upload = await findUpload(db, id);
      if (!upload) throw new NotFoundError(`upload ${id} does not exist`);
      const extension = /\.(\w+)$/.exec(upload.fileName)?.[1] ?? '';
      const type = AUDIO_TYPES[extension];
      if (!type || !['audio_recordings', 'ambient_audio'].includes(upload.stream)) {
        throw new ConflictError(`upload ${id} is ${upload.stream}, not audio`);
      }
      const { plaintext } = await decryptUpload({ db, vault, archive }, upload);
      if (!plaintext) throw new ConflictError(`upload ${id} could not be decrypted`);
      return c.body(new Uint8Array(plaintext), 200, {
        'content-type': type,
        'content-disposition': `attachment; filename="${upload.fileName}"`,
      });
    });
}
