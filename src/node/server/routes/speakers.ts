import type { FastifyPluginAsync } from 'fastify';
import type { RecordingStore } from '../../store/recordings.js';
import type { ModelSet } from '../model-set.js';

/** GET /api/speakers: named speakers, their clip counts and, per adaptive model, their profile size. */
export const speakerRoutes: FastifyPluginAsync<{ models: ModelSet; store: RecordingStore }> = async (
  app,
  { models, store },
) => {
  app.get(
    '/api/speakers',
    {
      schema: {
        summary: 'Speakers named in stored recordings, most recently heard first',
        description:
          '`recordings` counts every stored clip of the speaker; `profiles` has one entry per served model ' +
          'that adapts to speakers: `clips` stored clips in its profile and `minSpeakerUtterances` needed ' +
          '(the next clip is adapted when clips + 1 >= minSpeakerUtterances).',
        tags: ['speakers'],
        response: {
          200: {
            type: 'object',
            required: ['speakers'],
            properties: {
              speakers: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'recordings', 'lastRecordedAt', 'profiles'],
                  properties: {
                    name: { type: 'string' },
                    recordings: { type: 'integer' },
                    lastRecordedAt: { type: 'string', format: 'date-time' },
                    profiles: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['model', 'clips', 'minSpeakerUtterances'],
                        properties: {
                          model: { type: 'string' },
                          clips: { type: 'integer' },
                          minSpeakerUtterances: { type: 'integer' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({
      speakers: store.speakers().map((s) => ({
        name: s.speaker,
        recordings: s.recordings,
        lastRecordedAt: s.lastRecordedAt,
        profiles: models.all
          .filter((m) => m.summary.descriptorKind !== null && m.summary.minSpeakerUtterances !== null)
          .map((m) => ({
            model: m.id,
            clips: s.descriptors[m.summary.descriptorKind!] ?? 0,
            minSpeakerUtterances: m.summary.minSpeakerUtterances!,
          })),
      })),
    }),
  );
};
