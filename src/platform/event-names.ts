/**
 * The platform events webhooks can subscribe to. Kept free of imports so the admin panel
 * (web/) bundles this very list instead of a copy that drifts from what the server accepts.
 */
export const PLATFORM_EVENT_NAMES = ['enforcement.action', 'github.event'] as const;
