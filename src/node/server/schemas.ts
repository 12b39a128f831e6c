/**
 * JSON schemas shared by the routes: they validate inputs, shape (and speed up) the JSON
 * responses, and become the OpenAPI document at GET /api/openapi.json.
 */

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error answer: a stable code and a message saying what was wrong and what is accepted.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

export const predictionSchema = {
  $id: 'Prediction',
  type: 'object',
  required: ['label', 'emoji', 'confidence', 'probabilities', 'uncertain'],
  properties: {
    label: { type: 'string', description: 'The most probable emotion' },
    emoji: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1, description: 'Probability of `label`' },
    uncertain: {
      type: 'boolean',
      description:
        'True when the model is calibrated and `confidence` is below its "not sure" threshold: show "not sure" rather than `label`. Always false for an uncalibrated model',
    },
    probabilities: {
      type: 'object',
      description: 'Probability of every label the model knows, summing to 1',
      additionalProperties: { type: 'number' },
    },
    adaptation: { $ref: 'Adaptation#' },
  },
} as const;

export const adaptationSchema = {
  $id: 'Adaptation',
  type: ['object', 'null'],
  description: 'Speaker adaptation of this prediction; null when no speaker was named',
  required: ['speaker', 'speakerUtterances', 'adapted', 'minSpeakerUtterances'],
  properties: {
    speaker: { type: 'string' },
    speakerUtterances: {
      type: 'integer',
      description: "Clips in the speaker's profile for this model, this one included",
    },
    adapted: { type: 'boolean', description: "Whether the speaker's profile normalised this prediction" },
    minSpeakerUtterances: {
      type: ['integer', 'null'],
      description: 'Clips needed before the model adapts; null when the model never adapts to a speaker',
    },
  },
} as const;

export const predictResponseSchema = {
  $id: 'PredictResponse',
  type: 'object',
  required: [
    'label',
    'emoji',
    'confidence',
    'probabilities',
    'uncertain',
    'adaptation',
    'durationSec',
    'modelId',
  ],
  properties: {
    ...predictionSchema.properties,
    adaptation: { $ref: 'Adaptation#' },
    durationSec: { type: 'number', description: 'Duration of the decoded audio' },
    modelId: { type: 'string' },
  },
} as const;

export const recordingSchema = {
  $id: 'Recording',
  type: 'object',
  required: [
    'id',
    'createdAt',
    'fileName',
    'mimeType',
    'sizeBytes',
    'durationSec',
    'modelId',
    'speaker',
    'prediction',
    'audioUrl',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    createdAt: { type: 'string', format: 'date-time' },
    fileName: { type: ['string', 'null'] },
    mimeType: { type: 'string' },
    sizeBytes: { type: 'integer' },
    durationSec: { type: 'number' },
    modelId: { type: 'string' },
    speaker: { type: ['string', 'null'], description: 'Who speaks, as the client named them' },
    prediction: { $ref: 'Prediction#' },
    audioUrl: { type: 'string', description: 'Where to fetch the original audio' },
  },
} as const;

export const recordingPageSchema = {
  $id: 'RecordingPage',
  type: 'object',
  required: ['items', 'page', 'pageSize', 'total'],
  properties: {
    items: { type: 'array', items: { $ref: 'Recording#' } },
    page: { type: 'integer' },
    pageSize: { type: 'integer' },
    total: { type: 'integer', description: 'Number of stored recordings' },
  },
} as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
  additionalProperties: false,
} as const;

/** Errors every audio upload route may answer with. */
export const uploadErrorResponses = {
  400: { $ref: 'Error#' },
  413: {
    $ref: 'Error#',
    description: 'Upload larger than the byte limit, or audio longer than the duration limit',
  },
  415: { $ref: 'Error#', description: 'Not audio, an unsupported codec, or an unsupported Content-Type' },
  422: { $ref: 'Error#', description: 'Audio too short, silent, truncated or empty' },
  500: { $ref: 'Error#' },
} as const;

export const SHARED_SCHEMAS = [
  errorSchema,
  adaptationSchema,
  predictionSchema,
  recordingSchema,
  recordingPageSchema,
];

/** Routes whose body is an audio upload (read by audio-upload.ts, not by a JSON body schema). */
export const AUDIO_UPLOAD_ROUTES = ['/api/predict', '/api/recordings'];

/**
 * OpenAPI request body of the audio upload routes. Fastify cannot validate binary bodies with a
 * JSON schema; they are checked by the content-type parsers (type, size) and the decoder.
 */
export const audioRequestBody = {
  required: true,
  description: 'One audio file: WAV, FLAC, MP3, OGG (Vorbis/Opus) or WebM/Opus',
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['file'],
        properties: {
          file: { type: 'string', format: 'binary' },
          speaker: {
            type: 'string',
            description: 'Optional: who speaks (see the `speaker` query parameter)',
          },
          model: { type: 'string', description: 'Optional: which served model answers' },
        },
      },
    },
    'audio/*': { schema: { type: 'string', format: 'binary' } },
    'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
  },
} as const;
