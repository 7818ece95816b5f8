import type { ModelKind, ModelOptions } from './generations.tables.ts';

export interface CatalogModel {
  modelId: string;
  kind: ModelKind;
  name: string;
  providerModel: string;
  providerEditModel: string | null;
  priceBy: string[];
  options: ModelOptions;
  trialEligible: boolean;
  avgDurationSeconds: number;
  quality: string | null;
  /** Credits per price variant; `default` applies when no variant matches. */
  prices: Record<string, number>;
}

const ASPECT_RATIOS = ['1:1', '3:2', '2:3', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
const GPT_SIZES = ['1024*1024', '1024*1536', '1536*1024'];
const OUTPUT_FORMATS = ['jpeg', 'png', 'webp'];

/** gpt-image-1.5 is priced by mode, quality and size (seed 004, in USD; 1 credit = $0.001). */
function gptImagePrices(): Record<string, number> {
  const usd: Record<string, Record<string, number[]>> = {
    t2i: { low: [0.009, 0.013, 0.013], medium: [0.034, 0.051, 0.051], high: [0.133, 0.2, 0.2] },
    i2i: { low: [0.009, 0.034, 0.013], medium: [0.034, 0.051, 0.051], high: [0.133, 0.2, 0.2] },
  };
  const prices: Record<string, number> = { default: 51 };
  for (const [mode, byQuality] of Object.entries(usd)) {
    for (const [quality, bySize] of Object.entries(byQuality)) {
      GPT_SIZES.forEach((size, i) => (prices[`${mode}:${quality}:${size}`] = Math.round(bySize[i] * 1000)));
    }
  }
  return prices;
}

const tool = (modelId: string, name: string, providerModel: string, credits: number, options: ModelOptions): CatalogModel => ({
  modelId,
  kind: 'tool',
  name,
  providerModel,
  providerEditModel: null,
  priceBy: [],
  options: { output_formats: OUTPUT_FORMATS, ...options },
  trialEligible: false,
  avgDurationSeconds: 15,
  quality: null,
  prices: { default: credits },
});

/** Seed 004's catalog: what every bot starts with; its admins then change names, prices and activity. */
export const DEFAULT_CATALOG: CatalogModel[] = [
  {
    modelId: 'seedream-v4',
    kind: 'image',
    name: 'Seedream V4',
    providerModel: 'bytedance/seedream-v4',
    providerEditModel: 'bytedance/seedream-v4/edit',
    priceBy: [],
    options: { sizes: ['1024*1024', '1024*1536', '1536*1024', '2048*2048', '1440*2560', '2560*1440'], modes: ['t2i', 'i2i'] },
    trialEligible: true,
    avgDurationSeconds: 20,
    quality: 'high',
    prices: { default: 27 },
  },
  {
    modelId: 'nano-banana',
    kind: 'image',
    name: 'Nano Banana',
    providerModel: 'google/nano-banana/text-to-image',
    providerEditModel: 'google/nano-banana/edit',
    priceBy: [],
    options: { aspect_ratios: ASPECT_RATIOS, modes: ['t2i', 'i2i'] },
    trialEligible: false,
    avgDurationSeconds: 15,
    quality: 'high',
    prices: { default: 38 },
  },
  {
    modelId: 'nano-banana-pro',
    kind: 'image',
    name: 'Nano Banana Pro',
    providerModel: 'google/nano-banana-pro/text-to-image',
    providerEditModel: 'google/nano-banana-pro/edit',
    priceBy: ['resolution'],
    options: { aspect_ratios: ASPECT_RATIOS, resolutions: ['1k', '2k', '4k'], modes: ['t2i', 'i2i'] },
    trialEligible: false,
    avgDurationSeconds: 40,
    quality: 'ultra',
    prices: { default: 140, '1k': 140, '2k': 140, '4k': 240 },
  },
  {
    modelId: 'gpt-image-1.5',
    kind: 'image',
    name: 'GPT Image 1.5',
    providerModel: 'openai/gpt-image-1.5/text-to-image',
    providerEditModel: 'openai/gpt-image-1.5/edit',
    priceBy: ['mode', 'quality', 'size'],
    options: { sizes: GPT_SIZES, qualities: ['low', 'medium', 'high'], input_fidelities: ['low', 'high'], modes: ['t2i', 'i2i'] },
    trialEligible: false,
    avgDurationSeconds: 45,
    quality: 'high',
    prices: gptImagePrices(),
  },
  {
    modelId: 'qwen',
    kind: 'image',
    name: 'Qwen Image',
    providerModel: 'wavespeed-ai/qwen-image/text-to-image',
    providerEditModel: 'wavespeed-ai/qwen-image/edit',
    priceBy: [],
    options: { sizes: ['1024*1024', '1024*1536', '1536*1024', '1328*1328'], modes: ['t2i', 'i2i'] },
    trialEligible: true,
    avgDurationSeconds: 15,
    quality: 'medium',
    prices: { default: 20 },
  },
  tool('watermark-remove', 'Watermark remover', 'wavespeed-ai/image-watermark-remover', 12, {}),
  tool('upscale', 'Image upscaler', 'wavespeed-ai/image-upscaler', 60, { target_resolutions: ['2k', '4k', '8k'] }),
  tool('denoise', 'Noise removal', 'topaz/image-denoise', 20, { models: ['Normal', 'Strong', 'Extreme'] }),
  tool('restore', 'Old photo restoration', 'topaz/image-restore', 20, { models: ['Dust-Scratch', 'Dust-Scratch V2'] }),
  tool('enhance', 'Image enhancement', 'topaz/image-enhance', 30, { models: ['Standard V2', 'Low Resolution V2', 'CGI', 'High Fidelity V2', 'Text Refine'] }),
];

/** Size variants the Mini App offers (`GET /api/v1/sizes`). */
export const SIZES = [
  { id: '1024*1024', label: 'Square 1:1', width: 1024, height: 1024, aspect_ratio: '1:1' },
  { id: '1024*1536', label: 'Portrait 2:3', width: 1024, height: 1536, aspect_ratio: '2:3' },
  { id: '1536*1024', label: 'Landscape 3:2', width: 1536, height: 1024, aspect_ratio: '3:2' },
  { id: '1328*1328', label: 'Square 1:1 (Qwen)', width: 1328, height: 1328, aspect_ratio: '1:1' },
  { id: '2048*2048', label: 'Square 2K', width: 2048, height: 2048, aspect_ratio: '1:1' },
  { id: '1440*2560', label: 'Story 9:16', width: 1440, height: 2560, aspect_ratio: '9:16' },
  { id: '2560*1440', label: 'Wide 16:9', width: 2560, height: 1440, aspect_ratio: '16:9' },
];

/** The price variant key for the chosen options: the `priceBy` values joined by `:`. */
export function variantKey(priceBy: string[], choice: Record<string, unknown>): string {
  if (priceBy.length === 0) return 'default';
  return priceBy.map((name) => String(choice[name] ?? '')).join(':');
}
