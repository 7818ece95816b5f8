import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';
import { GENERATION_STATUSES } from './generations.tables.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const PositiveTelegramId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Language = Type.Enum(['uz', 'ru', 'en']);
const Url = Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://' });

const Options = Type.Object({
  sizes: Type.Optional(Type.Array(Type.String())),
  aspect_ratios: Type.Optional(Type.Array(Type.String())),
  resolutions: Type.Optional(Type.Array(Type.String())),
  qualities: Type.Optional(Type.Array(Type.String())),
  input_fidelities: Type.Optional(Type.Array(Type.String())),
  output_formats: Type.Optional(Type.Array(Type.String())),
  models: Type.Optional(Type.Array(Type.String())),
  target_resolutions: Type.Optional(Type.Array(Type.String())),
  modes: Type.Optional(Type.Array(Type.String())),
});

const modelFields = {
  model_id: Type.String(),
  kind: Type.Enum(['image', 'tool']),
  name: Type.String(),
  is_active: Type.Boolean(),
  price: Type.Integer(),
  prices: Type.Record(Type.String(), Type.Integer()),
  price_by: Type.Array(Type.String()),
  options: Options,
  supports_edit: Type.Boolean(),
  trial_eligible: Type.Boolean(),
  avg_duration_seconds: Type.Integer(),
  quality: NullableString,
};

export const ModelView = Type.Object(modelFields);
export const AdminModelView = Type.Object({
  ...modelFields,
  provider_model: Type.String(),
  provider_edit_model: NullableString,
  generation_count: Type.Integer(),
});
export const ModelsResponse = Type.Object({ models: Type.Array(ModelView) });
export const AdminModelsResponse = Type.Object({ models: Type.Array(AdminModelView) });
export const AdminModelResponse = Type.Object(modelFields);

export const ModelParams = Type.Object({ model_id: Type.String({ minLength: 1, maxLength: 64 }) });
export const UpdateModelBody = Type.Object(
  { is_active: Type.Optional(Type.Boolean()), name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  { additionalProperties: false, minProperties: 1 },
);
export const SetPriceBody = Type.Object(
  {
    price: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    /** A price variant (`4k`, `t2i:high:1024*1536`); `default` when omitted. */
    variant: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const SizesResponse = Type.Object({
  sizes: Type.Array(Type.Object({ id: Type.String(), label: Type.String(), width: Type.Integer(), height: Type.Integer(), aspect_ratio: Type.String() })),
});

export const BotIdQuery = Type.Object({ bot_id: Type.Optional(TelegramId) });

const choiceFields = {
  model_id: Type.String({ minLength: 1, maxLength: 64 }),
  size: Type.Optional(Type.String({ maxLength: 32 })),
  aspect_ratio: Type.Optional(Type.String({ maxLength: 16 })),
  resolution: Type.Optional(Type.String({ maxLength: 16 })),
  quality: Type.Optional(Type.Enum(['low', 'medium', 'high'])),
  input_fidelity: Type.Optional(Type.Enum(['low', 'high'])),
  output_format: Type.Optional(Type.String({ maxLength: 8 })),
  image_urls: Type.Optional(Type.Array(Url, { maxItems: 10 })),
  mode: Type.Optional(Type.Enum(['t2i', 'i2i'])),
};

export const PriceBody = Type.Object({ ...choiceFields, telegram_id: Type.Optional(PositiveTelegramId), bot_id: Type.Optional(TelegramId) }, { additionalProperties: false });
export const PriceResponse = Type.Object({
  model_id: Type.String(),
  price: Type.Integer(),
  credits: Type.Integer(),
  variant: Type.String(),
  mode: Type.String(),
  currency: Type.Literal('credits'),
});

const deliveryFields = {
  telegram_id: PositiveTelegramId,
  chat_id: Type.Optional(TelegramId),
  message_id: Type.Optional(Type.Integer({ minimum: 1 })),
  prompt_message_id: Type.Optional(Type.Integer({ minimum: 1 })),
  language: Type.Optional(Language),
  bot_id: Type.Optional(TelegramId),
};

export const SubmitBody = Type.Object(
  { ...choiceFields, ...deliveryFields, prompt: Type.String({ minLength: 1, maxLength: 4000 }), use_trial: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const ToolParams = Type.Object({ tool: Type.Enum(['watermark-remove', 'upscale', 'denoise', 'restore', 'enhance']) });
export const ToolBody = Type.Object(
  {
    ...deliveryFields,
    image_url: Url,
    output_format: Type.Optional(Type.String({ maxLength: 8 })),
    target_resolution: Type.Optional(Type.String({ maxLength: 8 })),
    model: Type.Optional(Type.String({ maxLength: 32 })),
    size: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);

export const GenerationView = Type.Object({
  id: Type.String(),
  generation_id: Type.String(),
  telegram_id: TelegramId,
  kind: Type.Enum(['image', 'tool']),
  model_id: Type.String(),
  status: Type.Enum([...GENERATION_STATUSES]),
  prompt: NullableString,
  cost: Type.Integer(),
  trial: Type.Boolean(),
  error: NullableString,
  results: Type.Array(Type.String()),
  chat_id: Type.Union([TelegramId, Type.Null()]),
  message_id: Type.Union([Type.Integer(), Type.Null()]),
  prompt_message_id: Type.Union([Type.Integer(), Type.Null()]),
  language: Language,
  /** Its credits were refunded, or its free trial given back (a trial generation that failed). */
  refunded: Type.Boolean(),
  created_at: Timestamp,
  completed_at: Type.Union([Timestamp, Type.Null()]),
  refunded_at: Type.Union([Timestamp, Type.Null()]),
});

export const SubmitResponse = Type.Object({
  generation_id: Type.String(),
  status: Type.Enum([...GENERATION_STATUSES]),
  cost: Type.Integer(),
  trial_used: Type.Boolean(),
  balance: Type.Integer(),
  generation: GenerationView,
});

export const GenerationParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const OwnerQuery = Type.Object({ telegram_id: PositiveTelegramId, bot_id: Type.Optional(TelegramId) });
export const ActiveResponse = Type.Object({ active: Type.Boolean(), generation: Type.Union([GenerationView, Type.Null()]) });
export const ResultsResponse = Type.Object({ generation_id: Type.String(), status: Type.Enum([...GENERATION_STATUSES]), results: Type.Array(Type.String()) });

export const UploadResponse = Type.Object({ url: Type.String(), download_url: Type.String(), filename: Type.String(), size: Type.Integer() });

export const AdminGenerationsQuery = Type.Object({
  offset: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  status: Type.Optional(Type.Enum([...GENERATION_STATUSES])),
  telegram_id: Type.Optional(PositiveTelegramId),
  bot_id: Type.Optional(TelegramId),
});
export const AdminGenerationsResponse = Type.Object({ items: Type.Array(GenerationView), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });
export const QueueResponse = Type.Object({ active: Type.Integer(), queued: Type.Integer(), running: Type.Integer(), pending: Type.Integer() });
export const RefundBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export const RefundResponse = Type.Object({ generation_id: Type.String(), refunded: Type.Boolean(), amount: Type.Integer(), balance: Type.Integer() });
