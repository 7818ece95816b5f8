/**
 * Local Telegram Bot API emulator for tests.
 *
 * Speaks the real HTTP protocol (`POST|GET /bot<token>/<method>` with JSON,
 * `application/x-www-form-urlencoded` or `multipart/form-data` bodies, answers
 * `{ok:true,result}` / `{ok:false,error_code,description,parameters?}` with the
 * HTTP status equal to `error_code`), keeps chats, members, permissions and
 * messages, records every call, and can inject updates (long polling or
 * webhook) and faults (429 with retry_after, 403 blocked, 5xx, latency, and
 * outages: `startOutage('hang' | 'reset')` until `endOutage()`). getUpdates is
 * held open for its `timeout` like Telegram does, answered early by an update.
 *
 * Usage with grammY:
 *   const emu = await startTelegramEmulator();
 *   const api = new Api('123:abc', { apiRoot: emu.apiRoot });
 *   const bot = new Bot('123:abc', { client: { apiRoot: emu.apiRoot } });
 *   ...
 *   await emu.close();
 *
 * Only `node:http` / `node:https` are used — no dependencies.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';
export type ChatMemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  is_premium?: boolean;
  [key: string]: unknown;
}

/** A user given to a helper: a user id, or a (partial) user object with an id. */
export type UserRef = number | (Partial<TgUser> & { id: number });

export interface TgChat {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
  is_forum?: boolean;
  [key: string]: unknown;
}

/** A chat given to a helper: a chat id, or a (partial) chat object with an id. */
export type ChatRef = number | (Partial<TgChat> & { id: number });

export interface ChatPermissions {
  can_send_messages?: boolean;
  can_send_audios?: boolean;
  can_send_documents?: boolean;
  can_send_photos?: boolean;
  can_send_videos?: boolean;
  can_send_video_notes?: boolean;
  can_send_voice_notes?: boolean;
  can_send_polls?: boolean;
  can_send_other_messages?: boolean;
  can_add_web_page_previews?: boolean;
  can_react_to_messages?: boolean;
  can_change_info?: boolean;
  can_invite_users?: boolean;
  can_pin_messages?: boolean;
  can_manage_topics?: boolean;
}

export const PERMISSION_KEYS = [
  'can_send_messages',
  'can_send_audios',
  'can_send_documents',
  'can_send_photos',
  'can_send_videos',
  'can_send_video_notes',
  'can_send_voice_notes',
  'can_send_polls',
  'can_send_other_messages',
  'can_add_web_page_previews',
  'can_react_to_messages',
  'can_change_info',
  'can_invite_users',
  'can_pin_messages',
  'can_manage_topics',
] as const satisfies readonly (keyof ChatPermissions)[];

export type FullChatPermissions = Required<ChatPermissions>;

export interface AdminRights {
  is_anonymous?: boolean;
  can_manage_chat?: boolean;
  can_delete_messages?: boolean;
  can_manage_video_chats?: boolean;
  can_restrict_members?: boolean;
  can_promote_members?: boolean;
  can_change_info?: boolean;
  can_invite_users?: boolean;
  can_post_stories?: boolean;
  can_edit_stories?: boolean;
  can_delete_stories?: boolean;
  can_post_messages?: boolean;
  can_edit_messages?: boolean;
  can_pin_messages?: boolean;
  can_manage_topics?: boolean;
}

export const ADMIN_RIGHT_KEYS = [
  'is_anonymous',
  'can_manage_chat',
  'can_delete_messages',
  'can_manage_video_chats',
  'can_restrict_members',
  'can_promote_members',
  'can_change_info',
  'can_invite_users',
  'can_post_stories',
  'can_edit_stories',
  'can_delete_stories',
  'can_post_messages',
  'can_edit_messages',
  'can_pin_messages',
  'can_manage_topics',
] as const satisfies readonly (keyof AdminRights)[];

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  [key: string]: unknown;
}

export interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  caption?: string;
  entities?: MessageEntity[];
  caption_entities?: MessageEntity[];
  reply_markup?: Record<string, unknown>;
  reply_to_message?: TgMessage;
  edit_date?: number;
  message_thread_id?: number;
  new_chat_members?: TgUser[];
  left_chat_member?: TgUser;
  photo?: PhotoSize[];
  document?: Record<string, unknown>;
  invoice?: Record<string, unknown>;
  successful_payment?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface PhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  inline_message_id?: string;
  chat_instance: string;
  data?: string;
  [key: string]: unknown;
}

export interface TgPreCheckoutQuery {
  id: string;
  from: TgUser;
  currency: string;
  total_amount: number;
  invoice_payload: string;
  [key: string]: unknown;
}

/** Serialized ChatMember as returned by getChatMember & co. */
export interface TgChatMember {
  status: ChatMemberStatus;
  user: TgUser;
  until_date?: number;
  is_member?: boolean;
  custom_title?: string;
  [key: string]: unknown;
}

interface UpdatePayload {
  message?: TgMessage;
  edited_message?: TgMessage;
  channel_post?: TgMessage;
  edited_channel_post?: TgMessage;
  callback_query?: TgCallbackQuery;
  pre_checkout_query?: TgPreCheckoutQuery;
  my_chat_member?: Record<string, unknown>;
  chat_member?: Record<string, unknown>;
  chat_join_request?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface TgUpdate extends UpdatePayload {
  update_id: number;
}

/** An update to push: like an Update, `update_id` optional (assigned if missing). */
export interface UpdateInput extends UpdatePayload {
  update_id?: number;
}

export interface UploadedFile {
  filename: string;
  contentType?: string;
  size: number;
  data: Buffer;
}

/** One recorded Bot API call. */
export interface Call {
  /** Position in `emulator.calls` (use as `since` for `waitForCall`). */
  index: number;
  token: string;
  /** Bot id (the digits before `:` in the token). */
  botId: number;
  /** Canonical method name (e.g. `sendMessage`, even if called as `sendmessage`). */
  method: string;
  /** Parsed parameters. Form/multipart values are strings (JSON objects parsed). */
  params: Record<string, unknown>;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** Raw request content-type (`''` if none). */
  contentType: string;
  /** Files of a multipart upload, by part name (the `attach://<name>` id). */
  files?: Record<string, UploadedFile>;
}

export interface Fault {
  error_code: number;
  /** Defaults to a Telegram-like text for the code (429: `Too Many Requests: retry after N`). */
  description?: string;
  /** For 429: seconds, sent as `parameters.retry_after` (default 1 for 429). */
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/**
 * How Telegram is unreachable during an outage (`startOutage`):
 * - `hang`: connections are accepted and requests read (and recorded in `calls`), but no answer
 *   ever comes, like a black-holed network; the client must time out.
 * - `reset`: every request's connection is reset before it is read (the client sees ECONNRESET).
 */
export type OutageMode = 'hang' | 'reset';

/** How `breakToken` makes a token fail: 401 Unauthorized, connection reset, or no answer at all. */
export type TokenFault = 'revoked' | 'unreachable' | 'hang';

export interface TelegramErrorBody {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export interface MemberInit {
  user: UserRef;
  status?: ChatMemberStatus;
  /** Unix seconds; 0 / omitted = forever (for restricted / kicked). */
  until_date?: number;
  /** For `restricted`: the user's permissions (omitted fields = false). */
  permissions?: ChatPermissions;
  /** For `restricted`: whether the user is still in the chat (default true). */
  is_member?: boolean;
  /** For `administrator`: rights (default: all true except is_anonymous). */
  rights?: AdminRights;
  custom_title?: string;
}

export interface ChatInit {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
  is_forum?: boolean;
  /** Default chat permissions (groups); omitted fields default to true. */
  permissions?: ChatPermissions;
  members?: MemberInit[];
  /** Status bots get when they first touch this chat (default `administrator`). */
  botStatus?: ChatMemberStatus;
  /** Overrides getChatMemberCount. */
  member_count?: number;
  /** Extra fields returned by getChat (description, invite_link, ...). */
  extra?: Record<string, unknown>;
}

export interface MemberState {
  user: TgUser;
  status: ChatMemberStatus;
  /** Unix seconds, 0 = forever. */
  until_date: number;
  is_member: boolean;
  permissions?: FullChatPermissions;
  rights?: Required<AdminRights>;
  custom_title?: string;
}

export interface ChatState {
  chat: TgChat;
  permissions: FullChatPermissions;
  members: Map<number, MemberState>;
  messages: Map<number, TgMessage>;
  nextMessageId: number;
  botStatus: ChatMemberStatus;
  member_count?: number;
  extra: Record<string, unknown>;
}

export interface WebhookState {
  url: string;
  secret_token?: string;
  max_connections: number;
  allowed_updates?: string[];
  last_error_date?: number;
  last_error_message?: string;
}

export interface BotCommand {
  command: string;
  description: string;
}

export interface WebhookDelivery {
  token: string;
  url: string;
  update_id: number;
  /** HTTP status, or 0 on a network error. */
  status: number;
  error?: string;
  at: number;
}

export interface EmulatorOptions {
  /** Port to listen on (0 = random, default). */
  port?: number;
  /** If true, unknown chat ids give 400 "chat not found" instead of being auto-created. */
  strictChats?: boolean;
  /** Webhook delivery retries after a non-2xx answer / network error (default 3). */
  webhookRetries?: number;
  /** Delay before a webhook retry, multiplied by the attempt number (default 100 ms). */
  webhookRetryDelayMs?: number;
}

export interface WaitOptions {
  /** Only consider calls with `index >= since` (e.g. `emulator.calls.length` taken earlier). */
  since?: number;
  /** Default 5000. */
  timeoutMs?: number;
}

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

type Params = Record<string, unknown>;

class TgError extends Error {
  constructor(
    readonly error_code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }
  body(): TelegramErrorBody {
    const b: TelegramErrorBody = { ok: false, error_code: this.error_code, description: this.description };
    if (this.parameters) b.parameters = this.parameters;
    return b;
  }
}

/** A successful result that also carries Telegram's `description` (setWebhook & co). */
class Described {
  constructor(
    readonly result: unknown,
    readonly description: string,
  ) {}
}

const bad = (what: string): TgError => new TgError(400, `Bad Request: ${what}`);
const forbidden = (what: string): TgError => new TgError(403, `Forbidden: ${what}`);

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  409: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const DEFAULT_EXCLUDED_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const TOKEN_RE = /^(\d+):([A-Za-z0-9_-]+)$/;
const SUPERGROUP_ID_LIMIT = -1_000_000_000_000;
const FOREVER_MIN = 30;
const FOREVER_MAX = 366 * 86400;

function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1';
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  return v;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  const p = parseMaybeJson(v);
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
}

function asArray(v: unknown): unknown[] | undefined {
  const p = parseMaybeJson(v);
  return Array.isArray(p) ? p : undefined;
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function updateType(u: UpdatePayload): string | undefined {
  return Object.keys(u).find((k) => k !== 'update_id' && u[k] !== undefined);
}

function randomId(len = 16): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  let s = '';
  for (let i = 0; i < len; i++) s += abc[Math.floor(Math.random() * abc.length)];
  return s;
}

function allPermissions(value: boolean): FullChatPermissions {
  const p = {} as FullChatPermissions;
  for (const k of PERMISSION_KEYS) p[k] = value;
  return p;
}

function fullRights(): Required<AdminRights> {
  const r = {} as Required<AdminRights>;
  for (const k of ADMIN_RIGHT_KEYS) r[k] = k !== 'is_anonymous';
  return r;
}

/** Parse a ChatPermissions param: omitted fields = false; applies Telegram's implications. */
function normalizePermissions(raw: Record<string, unknown>, independent: boolean): FullChatPermissions {
  const p = allPermissions(false);
  for (const k of PERMISSION_KEYS) p[k] = bool(raw[k]);
  // Legacy field (Bot API < 6.5).
  if (raw.can_send_media_messages !== undefined && bool(raw.can_send_media_messages)) {
    p.can_send_audios = p.can_send_documents = p.can_send_photos = true;
    p.can_send_videos = p.can_send_video_notes = p.can_send_voice_notes = true;
  }
  if (!independent) {
    if (p.can_send_other_messages || p.can_add_web_page_previews) {
      p.can_send_audios = p.can_send_documents = p.can_send_photos = true;
      p.can_send_videos = p.can_send_video_notes = p.can_send_voice_notes = true;
      p.can_send_messages = true;
    }
    if (p.can_send_polls) p.can_send_messages = true;
  }
  return p;
}

function parseMultipart(body: Buffer, boundary: string): { fields: Params; files: Record<string, UploadedFile> } {
  const fields: Params = {};
  const files: Record<string, UploadedFile> = {};
  const buf = Buffer.concat([Buffer.from('\r\n'), body]);
  const delim = Buffer.from(`\r\n--${boundary}`);
  let pos = buf.indexOf(delim);
  while (pos !== -1) {
    let start = pos + delim.length;
    if (buf.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    // skip transport padding + CRLF after the boundary line
    const lineEnd = buf.indexOf('\r\n', start);
    if (lineEnd === -1) break;
    start = lineEnd + 2;
    const next = buf.indexOf(delim, start);
    const part = buf.subarray(start, next === -1 ? buf.length : next);
    const sep = part.indexOf('\r\n\r\n');
    if (sep !== -1) {
      const headers = part.subarray(0, sep).toString('utf8');
      const data = part.subarray(sep + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="?([^";\r\n]*)"?/i.exec(headers)?.[1];
      const ctype = /content-type:\s*([^\r\n;]+)/i.exec(headers)?.[1]?.trim();
      if (name !== undefined) {
        if (filename !== undefined) {
          files[name] = { filename, contentType: ctype, size: data.length, data: Buffer.from(data) };
        } else {
          fields[name] = parseMaybeJson(data.toString('utf8'));
        }
      }
    }
    pos = next;
  }
  return { fields, files };
}

function parseForm(text: string): Params {
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = parseMaybeJson(v);
  return out;
}

interface Ctx {
  bot: BotState;
  p: Params;
  call: Call;
  res: http.ServerResponse;
}

type Handler = (ctx: Ctx) => unknown;

type WakeReason = 'update' | 'timeout' | 'conflict' | 'closed' | 'aborted';

interface Poller {
  wake: (reason: WakeReason) => void;
}

interface BotState {
  token: string;
  id: number;
  user: TgUser;
  updates: TgUpdate[];
  nextUpdateId: number;
  poller?: Poller;
  webhook?: WebhookState;
  allowedUpdates?: string[];
  commands: Map<string, BotCommand[]>;
  delivering: boolean;
  callbackQueries: Map<string, { answered: boolean }>;
  preCheckoutQueries: Map<string, { answered: boolean }>;
  refundedCharges: Set<string>;
}

interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  data: Buffer;
}

interface CallWaiter {
  method: string;
  predicate?: (c: Call) => boolean;
  since: number;
  resolve: (c: Call) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

// ---------------------------------------------------------------------------
// Emulator
// ---------------------------------------------------------------------------

export class TelegramEmulator {
  /** `http://127.0.0.1:<port>` — pass as grammY's `apiRoot`. */
  apiRoot = '';
  port = 0;
  /** Every Bot API call, in arrival order. */
  readonly calls: Call[] = [];
  /** Every webhook POST attempt. */
  readonly webhookDeliveries: WebhookDelivery[] = [];

  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly webhookRequests = new Set<http.ClientRequest>();
  private readonly callWaiters = new Set<CallWaiter>();
  private readonly handlers: Record<string, Handler>;
  private readonly canonical = new Map<string, string>();
  private closed = false;

  private bots = new Map<string, BotState>();
  private chats = new Map<number, ChatState>();
  private users = new Map<number, TgUser>();
  private files = new Map<string, StoredFile>();
  private faults = new Map<string, Array<Fault>>();
  private blocked = new Set<number>();
  private tokenFaults = new Map<string, TokenFault>();
  private senderChatBans = new Map<number, Set<number>>();
  private latencyMs = 0;
  private outage: OutageMode | null = null;
  /** Requests swallowed by a `hang` outage: never answered, dropped when it ends. */
  private readonly held = new Set<http.ServerResponse>();
  private clockOffset = 0;
  private invoiceLinks = 0;
  private fileCounter = 0;
  private queryCounter = 0;

  constructor(private readonly options: EmulatorOptions = {}) {
    this.server = http.createServer((req, res) => {
      const p = this.handleRequest(req, res).catch((err: unknown) => {
        this.send(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(err)}` });
      });
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.handlers = this.buildHandlers();
    for (const name of Object.keys(this.handlers)) this.canonical.set(name.toLowerCase(), name);
  }

  /** @internal use startTelegramEmulator() */
  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.apiRoot = `http://127.0.0.1:${this.port}`;
  }

  /** Stops the server: releases held getUpdates (answering `[]`), then closes all sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const bot of this.bots.values()) bot.poller?.wake('closed');
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    for (const r of this.webhookRequests) r.destroy();
    this.webhookRequests.clear();
    for (const res of this.held) res.destroy();
    this.held.clear();
    for (const w of this.callWaiters) {
      clearTimeout(w.timer);
      w.reject(new Error(`telegram emulator closed while waiting for ${w.method}`));
    }
    this.callWaiters.clear();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // Let released requests write their answers, but don't wait forever.
    if (this.inFlight.size > 0) {
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 250))]);
    }
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closing;
  }

  // ----- per-token faults and bot profiles ----------------------------------

  /**
   * Makes every call with this token fail until `restoreToken`: `revoked` answers 401
   * Unauthorized (what Telegram says for a revoked or unknown token), `unreachable` resets the
   * connection without an answer, `hang` never answers (the caller's timeout decides).
   *
   * @example
   * emu.breakToken(BAD_TOKEN, 'revoked'); // registering BAD_TOKEN answers 422 "Unauthorized"
   */
  breakToken(token: string, fault: TokenFault): void {
    this.tokenFaults.set(token, fault);
  }

  /** Lifts `breakToken`: the token works again (held `hang` calls stay unanswered). */
  restoreToken(token: string): void {
    this.tokenFaults.delete(token);
  }

  /** Changes the bot's name or username as `getMe` reports them (a bot renamed in @BotFather). */
  setBotProfile(token: string, profile: { first_name?: string; username?: string }): TgUser {
    const bot = this.bot(token);
    Object.assign(bot.user, profile);
    this.users.set(bot.id, bot.user);
    return clone(bot.user);
  }

  /** Ids of the sender chats (channels) banned in a chat with `banChatSenderChat`. */
  bannedSenderChats(chatId: number): number[] {
    return [...(this.senderChatBans.get(chatId) ?? [])];
  }

  // ----- clock ------------------------------------------------------------

  /** Emulator time in unix seconds (real time + `advanceClock` offset). */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffset;
  }

  /** Moves the emulator clock forward (restrictions / bans with until_date expire). */
  advanceClock(seconds: number): void {
    this.clockOffset += seconds;
  }

  // ----- call records -----------------------------------------------------

  callsTo(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  lastCall(method: string): Call | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--) if (this.calls[i].method === method) return this.calls[i];
    return undefined;
  }

  /**
   * Resolves with the first call to `method` matching `predicate` with `index >= since`
   * (already recorded or arriving later). Third argument: timeout in ms or `{since, timeoutMs}`.
   */
  waitForCall(method: string, predicate?: (c: Call) => boolean, opts?: number | WaitOptions): Promise<Call> {
    const o: WaitOptions = typeof opts === 'number' ? { timeoutMs: opts } : (opts ?? {});
    const since = o.since ?? 0;
    const timeoutMs = o.timeoutMs ?? 5000;
    const found = this.calls.find((c) => c.index >= since && c.method === method && (!predicate || predicate(c)));
    if (found) return Promise.resolve(found);
    if (this.closed) return Promise.reject(new Error('telegram emulator is closed'));
    return new Promise<Call>((resolve, reject) => {
      const waiter: CallWaiter = {
        method,
        predicate,
        since,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.callWaiters.delete(waiter);
          const seen = this.callsTo(method).map((c) => JSON.stringify(c.params));
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for a matching ${method} call (since #${since}); ` +
                `${seen.length} ${method} call(s) recorded: ${seen.slice(-5).join(' | ') || '-'}`,
            ),
          );
        }, timeoutMs),
      };
      this.callWaiters.add(waiter);
    });
  }

  /** Forgets recorded calls only. */
  clearCalls(): void {
    this.calls.length = 0;
  }

  /**
   * Full reset to a fresh emulator on the same port: calls, chats, members, messages,
   * users, bots (queued updates, webhooks, commands), faults, blocks, latency, clock.
   */
  reset(): void {
    this.calls.length = 0;
    this.webhookDeliveries.length = 0;
    for (const bot of this.bots.values()) bot.poller?.wake('closed');
    this.bots = new Map();
    this.chats = new Map();
    this.users = new Map();
    this.files = new Map();
    this.faults = new Map();
    this.blocked = new Set();
    this.tokenFaults = new Map();
    this.senderChatBans = new Map();
    this.latencyMs = 0;
    this.endOutage();
    this.clockOffset = 0;
    this.invoiceLinks = 0;
    this.fileCounter = 0;
    this.queryCounter = 0;
  }

  // ----- faults -----------------------------------------------------------

  /** The next `times` calls of `method` (`'*'` = any method) fail with `fault`. */
  failNext(method: string, fault: Fault, times = 1): void {
    const list = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(fault);
    this.faults.set(method, list);
  }

  /** Drops all pending faults. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Sends to this user's private chat answer 403 "Forbidden: bot was blocked by the user". */
  blockUser(userId: number): void {
    this.blocked.add(userId);
  }

  unblockUser(userId: number): void {
    this.blocked.delete(userId);
  }

  /**
   * Makes Telegram unreachable for every bot until `endOutage()` (see `OutageMode`). Requests
   * already in progress (a held long poll) get no answer either. For a 429 with `retry_after`
   * instead, use `failNext(method, { error_code: 429, retry_after: seconds })`.
   *
   * @example
   * emu.startOutage('hang');
   * const res = await t.call('POST', `/api/v2/groups/${gid}/enforcement/ban`, { user_id: 5 }); // 502 after the deadline
   * emu.endOutage();
   */
  startOutage(mode: OutageMode): void {
    this.outage = mode;
  }

  /** Telegram answers again; requests a `hang` outage swallowed are dropped (their connections closed). */
  endOutage(): void {
    this.outage = null;
    for (const res of this.held) res.destroy();
    this.held.clear();
  }

  /** The outage in force, if any. */
  get outageMode(): OutageMode | null {
    return this.outage;
  }

  /** Delays every answer by `ms`. */
  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  // ----- state: users, chats, members ---------------------------------------

  /** Registers (or updates) a user; returns the full user object. */
  addUser(user: UserRef): TgUser {
    return this.user(user);
  }

  addChat(init: ChatInit): ChatState {
    const chat: TgChat = { id: init.id, type: init.type };
    if (init.type === 'private') {
      const u = this.user({
        id: init.id,
        ...(init.first_name ? { first_name: init.first_name } : {}),
        ...(init.last_name ? { last_name: init.last_name } : {}),
        ...(init.username ? { username: init.username } : {}),
      });
      chat.first_name = u.first_name;
      if (u.last_name) chat.last_name = u.last_name;
      if (u.username) chat.username = u.username;
    } else {
      chat.title = init.title ?? `${init.type === 'supergroup' ? 'Supergroup' : init.type === 'channel' ? 'Channel' : 'Group'} ${init.id}`;
      if (init.username) chat.username = init.username;
      if (init.is_forum) chat.is_forum = true;
    }
    const permissions = allPermissions(true);
    if (init.permissions) for (const k of PERMISSION_KEYS) if (init.permissions[k] !== undefined) permissions[k] = !!init.permissions[k];
    const state: ChatState = {
      chat,
      permissions,
      members: new Map(),
      messages: new Map(),
      nextMessageId: 1,
      botStatus: init.botStatus ?? 'administrator',
      member_count: init.member_count,
      extra: init.extra ?? {},
    };
    const old = this.chats.get(init.id);
    if (old) {
      state.members = old.members;
      state.messages = old.messages;
      state.nextMessageId = old.nextMessageId;
    }
    this.chats.set(init.id, state);
    if (init.type === 'private') {
      const u = this.user(init.id);
      if (!state.members.has(u.id)) state.members.set(u.id, { user: u, status: 'member', until_date: 0, is_member: true });
    }
    for (const m of init.members ?? []) this.setMember(init.id, m);
    return state;
  }

  /** Internal chat state (members, messages, permissions), or undefined. */
  getChatState(chatId: number): ChatState | undefined {
    return this.chats.get(chatId);
  }

  /** Sets a member's status (default `member`). Returns the serialized ChatMember. */
  setMember(chatId: number, init: MemberInit): TgChatMember {
    const chat = this.ensureChat(chatId, false);
    const user = this.user(init.user);
    const status = init.status ?? 'member';
    const m: MemberState = {
      user,
      status,
      until_date: init.until_date ?? 0,
      is_member: init.is_member ?? (status !== 'left' && status !== 'kicked'),
    };
    if (status === 'restricted') {
      m.permissions = normalizePermissions((init.permissions ?? {}) as Record<string, unknown>, true);
    }
    if (status === 'administrator') {
      const r = fullRights();
      if (init.rights) for (const k of ADMIN_RIGHT_KEYS) if (init.rights[k] !== undefined) r[k] = !!init.rights[k];
      m.rights = r;
    }
    if (init.custom_title) m.custom_title = init.custom_title;
    chat.members.set(user.id, m);
    return this.serializeMember(chat, m);
  }

  /** The ChatMember exactly as getChatMember would return it (expired restrictions lifted). */
  getMember(chatId: number, userId: number): TgChatMember {
    const chat = this.ensureChat(chatId, false);
    return this.serializeMember(chat, this.effectiveMember(chat, userId));
  }

  /** A stored message (sent by a bot or pushed in an update). */
  getMessage(chatId: number, messageId: number): TgMessage | undefined {
    return this.chats.get(chatId)?.messages.get(messageId);
  }

  /** All stored messages of a chat, in id order. */
  messagesIn(chatId: number): TgMessage[] {
    return [...(this.chats.get(chatId)?.messages.values() ?? [])].sort((a, b) => a.message_id - b.message_id);
  }

  /** The bot's webhook for `token`, if set. */
  getWebhook(token: string): WebhookState | undefined {
    return this.bots.get(token)?.webhook;
  }

  /** Updates queued (not yet confirmed / delivered) for `token`. */
  pendingUpdates(token: string): TgUpdate[] {
    return [...(this.bots.get(token)?.updates ?? [])];
  }

  // ----- updates --------------------------------------------------------------

  /**
   * Queues an update for `token` (assigns `update_id` if missing). Long-polling
   * getUpdates requests are woken; with a webhook set, it is POSTed there instead.
   * Messages in the update are stored (so they can be deleted/copied/replied to)
   * and senders / new members become chat members.
   */
  pushUpdate(token: string, update: UpdateInput): TgUpdate {
    const bot = this.bot(token);
    let id = update.update_id;
    if (id === undefined) id = bot.nextUpdateId++;
    else bot.nextUpdateId = Math.max(bot.nextUpdateId, id + 1);
    const full = { ...update, update_id: id } as TgUpdate;
    this.ingest(bot, full);
    bot.updates.push(full);
    if (bot.webhook) void this.pumpWebhook(bot);
    else bot.poller?.wake('update');
    return full;
  }

  /** Pushes a `message` update. Entities are computed for a leading /command unless given. */
  message(
    token: string,
    opts: {
      from: UserRef;
      chat?: ChatRef;
      text?: string;
      caption?: string;
      reply_to_message?: TgMessage | number;
      entities?: MessageEntity[];
      date?: number;
      message_id?: number;
      [extra: string]: unknown;
    },
  ): TgUpdate {
    const { from, chat, text, reply_to_message, entities, date, message_id, ...extra } = opts;
    const user = this.user(from);
    const chatObj = this.chatRef(chat ?? user.id);
    const state = this.ensureChat(chatObj.id, false);
    const msg: TgMessage = {
      message_id: message_id ?? state.nextMessageId++,
      from: user,
      chat: clone(state.chat),
      date: date ?? this.now(),
      ...extra,
    };
    if (text !== undefined) {
      msg.text = text;
      const ents = entities ?? commandEntities(text);
      if (ents.length) msg.entities = ents;
    } else if (entities) msg.entities = entities;
    if (reply_to_message !== undefined) {
      const r = typeof reply_to_message === 'number' ? state.messages.get(reply_to_message) : reply_to_message;
      if (r) msg.reply_to_message = stripReply(r);
    }
    return this.pushUpdate(token, { message: msg });
  }

  /** Pushes a `callback_query` update. `message` may be a Message or `{chat_id, message_id}` of a stored one. */
  callbackQuery(
    token: string,
    opts: {
      from: UserRef;
      message?: TgMessage | { chat_id: number; message_id: number };
      data?: string;
      id?: string;
      chat_instance?: string;
      inline_message_id?: string;
    },
  ): TgUpdate {
    const user = this.user(opts.from);
    let message: TgMessage | undefined;
    if (opts.message) {
      const m = opts.message;
      if (isMessage(m)) {
        message = this.getMessage(m.chat.id, m.message_id) ?? m;
      } else {
        message = this.getMessage(m.chat_id, m.message_id);
        if (!message) throw new Error(`callbackQuery: message ${m.message_id} in chat ${m.chat_id} is not stored`);
      }
    }
    const q: TgCallbackQuery = {
      id: opts.id ?? `${Date.now()}${++this.queryCounter}`,
      from: user,
      chat_instance: opts.chat_instance ?? String(message ? Math.abs(message.chat.id) * 7 + 13 : 1),
    };
    if (message) q.message = clone(message);
    if (opts.inline_message_id) q.inline_message_id = opts.inline_message_id;
    if (opts.data !== undefined) q.data = opts.data;
    return this.pushUpdate(token, { callback_query: q });
  }

  /** Pushes a service message with `new_chat_members` (they become members). `from` defaults to the first new member. */
  newMembers(token: string, opts: { chat: ChatRef; new_chat_members: UserRef[]; from?: UserRef; date?: number }): TgUpdate {
    const members = opts.new_chat_members.map((u) => this.user(u));
    const from = opts.from !== undefined ? this.user(opts.from) : members[0];
    const state = this.ensureChat(this.chatRef(opts.chat).id, false);
    const msg: TgMessage = {
      message_id: state.nextMessageId++,
      from,
      chat: clone(state.chat),
      date: opts.date ?? this.now(),
      new_chat_members: members,
    };
    return this.pushUpdate(token, { message: msg });
  }

  /** Pushes a service message with `left_chat_member` (the user becomes `left`). `from` defaults to the user. */
  leftMember(token: string, opts: { chat: ChatRef; left_chat_member: UserRef; from?: UserRef; date?: number }): TgUpdate {
    const left = this.user(opts.left_chat_member);
    const from = opts.from !== undefined ? this.user(opts.from) : left;
    const state = this.ensureChat(this.chatRef(opts.chat).id, false);
    const msg: TgMessage = {
      message_id: state.nextMessageId++,
      from,
      chat: clone(state.chat),
      date: opts.date ?? this.now(),
      left_chat_member: left,
    };
    return this.pushUpdate(token, { message: msg });
  }

  /** Pushes a `pre_checkout_query` update (currency defaults to XTR). */
  preCheckoutQuery(
    token: string,
    opts: { from: UserRef; total_amount: number; invoice_payload: string; currency?: string; id?: string; [extra: string]: unknown },
  ): TgUpdate {
    const { from, total_amount, invoice_payload, currency, id, ...extra } = opts;
    const q: TgPreCheckoutQuery = {
      id: id ?? `${Date.now()}${++this.queryCounter}`,
      from: this.user(from),
      currency: currency ?? 'XTR',
      total_amount,
      invoice_payload,
      ...extra,
    };
    return this.pushUpdate(token, { pre_checkout_query: q });
  }

  /** Pushes a message with `successful_payment` (currency XTR, charge ids generated unless given). */
  successfulPayment(
    token: string,
    opts: {
      from: UserRef;
      chat?: ChatRef;
      total_amount: number;
      invoice_payload: string;
      currency?: string;
      telegram_payment_charge_id?: string;
      provider_payment_charge_id?: string;
      subscription_expiration_date?: number;
      is_recurring?: boolean;
      is_first_recurring?: boolean;
    },
  ): TgUpdate {
    const user = this.user(opts.from);
    const state = this.ensureChat(this.chatRef(opts.chat ?? user.id).id, false);
    const sp: Record<string, unknown> = {
      currency: opts.currency ?? 'XTR',
      total_amount: opts.total_amount,
      invoice_payload: opts.invoice_payload,
      telegram_payment_charge_id: opts.telegram_payment_charge_id ?? `stxEmu${randomId(24)}`,
      provider_payment_charge_id: opts.provider_payment_charge_id ?? '',
    };
    for (const k of ['subscription_expiration_date', 'is_recurring', 'is_first_recurring'] as const) {
      if (opts[k] !== undefined) sp[k] = opts[k];
    }
    const msg: TgMessage = {
      message_id: state.nextMessageId++,
      from: user,
      chat: clone(state.chat),
      date: this.now(),
      successful_payment: sp,
    };
    return this.pushUpdate(token, { message: msg });
  }

  /** Resolves when no webhook has undelivered updates (or after `timeoutMs`). */
  async flushWebhooks(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const busy = [...this.bots.values()].some((b) => b.webhook && (b.updates.length > 0 || b.delivering));
      if (!busy) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  // ----- HTTP -------------------------------------------------------------------

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    const data = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
    res.end(data);
  }

  /** True when the outage took the request: reset at once, or held without an answer. */
  private swallowedByOutage(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (this.outage === 'reset') {
      req.socket.resetAndDestroy();
      return true;
    }
    if (this.outage === 'hang') {
      this.held.add(res);
      res.once('close', () => this.held.delete(res));
      return true;
    }
    return false;
  }

  private async handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.outage === 'reset') {
      this.swallowedByOutage(req, res);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch && (req.method === 'GET' || req.method === 'HEAD')) {
      const path = decodeURIComponent(fileMatch[2]);
      const f = [...this.files.values()].find((x) => x.file_path === path);
      if (!f) return this.send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': f.data.length });
      res.end(req.method === 'HEAD' ? undefined : f.data);
      return;
    }
    const m = /^\/bot([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!m) {
      await drain(req);
      return this.send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    }
    const token = decodeURIComponent(m[1]);
    const rawMethod = decodeURIComponent(m[2]);
    const body = await readBody(req);
    const tokenMatch = TOKEN_RE.exec(token);
    if (!tokenMatch) return this.send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });

    const contentType = String(req.headers['content-type'] ?? '');
    let params: Params = {};
    let files: Record<string, UploadedFile> | undefined;
    for (const [k, v] of url.searchParams) params[k] = parseMaybeJson(v);
    const ct = contentType.toLowerCase();
    try {
      if (ct.startsWith('application/json')) {
        const text = body.toString('utf8').trim();
        if (text) {
          const parsed: unknown = JSON.parse(text);
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) params = { ...params, ...(parsed as Params) };
        }
      } else if (ct.startsWith('application/x-www-form-urlencoded')) {
        params = { ...params, ...parseForm(body.toString('utf8')) };
      } else if (ct.startsWith('multipart/form-data')) {
        const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
        const b = boundary?.[1] ?? boundary?.[2];
        if (b) {
          const mp = parseMultipart(body, b.trim());
          params = { ...params, ...mp.fields };
          if (Object.keys(mp.files).length) files = mp.files;
        }
      }
    } catch {
      return this.send(res, 400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON object" });
    }

    const method = this.canonical.get(rawMethod.toLowerCase()) ?? rawMethod;
    const call: Call = {
      index: this.calls.length,
      token,
      botId: Number(tokenMatch[1]),
      method,
      params,
      at: Date.now(),
      contentType,
      ...(files ? { files } : {}),
    };
    this.calls.push(call);
    this.notifyWaiters(call);
    if (this.swallowedByOutage(req, res)) return;

    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    const tokenFault = this.tokenFaults.get(token);
    if (tokenFault === 'unreachable') {
      req.socket.destroy();
      return;
    }
    if (tokenFault === 'hang') return;
    if (tokenFault === 'revoked') return this.send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });

    try {
      const fault = this.takeFault(method);
      if (fault) throw faultError(fault);
      const handler = this.handlers[method];
      if (!handler) throw new TgError(404, 'Not Found: method not found');
      const bot = this.bot(token);
      const result = await handler({ bot, p: params, call, res });
      if (res.writableEnded || res.destroyed) return;
      // An outage that began while the request was held (a long poll): its answer is lost too.
      if (this.swallowedByOutage(req, res)) return;
      if (result instanceof Described) this.send(res, 200, { ok: true, result: result.result, description: result.description });
      else this.send(res, 200, { ok: true, result });
    } catch (err) {
      if (err instanceof TgError) return this.send(res, err.error_code, err.body());
      throw err;
    }
  }

  private notifyWaiters(call: Call): void {
    for (const w of [...this.callWaiters]) {
      if (call.index >= w.since && call.method === w.method && (!w.predicate || w.predicate(call))) {
        clearTimeout(w.timer);
        this.callWaiters.delete(w);
        w.resolve(call);
      }
    }
  }

  private takeFault(method: string): Fault | undefined {
    for (const key of [method, '*']) {
      const list = this.faults.get(key);
      if (list && list.length) {
        const f = list.shift();
        if (!list.length) this.faults.delete(key);
        return f;
      }
    }
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
      };
      this.timers.add(entry);
    });
  }

  // ----- state helpers -----------------------------------------------------------

  private bot(token: string): BotState {
    let b = this.bots.get(token);
    if (!b) {
      const id = Number(TOKEN_RE.exec(token)?.[1] ?? token.split(':')[0]) || 0;
      const user: TgUser = { id, is_bot: true, first_name: 'Test Bot', username: `test_${id}_bot` };
      this.users.set(id, user);
      b = {
        token,
        id,
        user,
        updates: [],
        nextUpdateId: 1,
        commands: new Map(),
        delivering: false,
        callbackQueries: new Map(),
        preCheckoutQueries: new Map(),
        refundedCharges: new Set(),
      };
      this.bots.set(token, b);
    }
    return b;
  }

  private user(ref: UserRef): TgUser {
    const id = typeof ref === 'number' ? ref : ref.id;
    const known = this.users.get(id);
    if (typeof ref === 'number') {
      if (known) return known;
      const u: TgUser = { id, is_bot: false, first_name: `User${id}` };
      this.users.set(id, u);
      return u;
    }
    const merged: TgUser = { ...(known ?? { id, is_bot: false, first_name: `User${id}` }), ...ref } as TgUser;
    if (merged.is_bot === undefined) merged.is_bot = false;
    this.users.set(id, merged);
    return merged;
  }

  private chatRef(ref: ChatRef): TgChat {
    if (typeof ref === 'number') return this.ensureChat(ref, false).chat;
    const existing = this.chats.get(ref.id);
    if (existing) return existing.chat;
    return this.addChat({
      id: ref.id,
      type: ref.type ?? guessChatType(ref.id),
      title: ref.title,
      username: ref.username,
      first_name: ref.first_name,
      last_name: ref.last_name,
      is_forum: ref.is_forum,
    }).chat;
  }

  /** Finds a chat; auto-creates it unless strict (API calls in strictChats mode). */
  private ensureChat(id: number, strict: boolean): ChatState {
    const c = this.chats.get(id);
    if (c) return c;
    if (strict && this.options.strictChats) throw bad('chat not found');
    return this.addChat({ id, type: guessChatType(id) });
  }

  private resolveChat(bot: BotState, v: unknown, field = 'chat_id'): ChatState {
    if (isEmpty(v)) throw bad(`${field} is empty`);
    let chat: ChatState | undefined;
    const n = int(v);
    if (n !== undefined) chat = this.ensureChat(n, true);
    else if (typeof v === 'string' && v.startsWith('@')) {
      const name = v.slice(1).toLowerCase();
      chat = [...this.chats.values()].find((c) => c.chat.username?.toLowerCase() === name);
      if (!chat) throw bad('chat not found');
    } else throw bad('chat not found');
    this.touchBot(chat, bot);
    return chat;
  }

  private requireUserId(p: Params, field = 'user_id'): number {
    if (isEmpty(p[field])) throw bad(`${field} is empty`);
    const id = int(p[field]);
    if (id === undefined || id <= 0) throw bad(`invalid ${field} specified`);
    return id;
  }

  private requireInt(p: Params, field: string): number {
    if (isEmpty(p[field])) throw bad(`${field} is empty`);
    const v = int(p[field]);
    if (v === undefined) throw bad(`${field} is invalid`);
    return v;
  }

  /** Bots become members of group chats they touch (status = chat's botStatus). */
  private touchBot(chat: ChatState, bot: BotState): void {
    if (chat.chat.type === 'private' || chat.members.has(bot.id)) return;
    const m: MemberState = { user: bot.user, status: chat.botStatus, until_date: 0, is_member: chat.botStatus !== 'left' && chat.botStatus !== 'kicked' };
    if (chat.botStatus === 'administrator') m.rights = fullRights();
    if (chat.botStatus === 'restricted') m.permissions = allPermissions(false);
    chat.members.set(bot.id, m);
  }

  /** Member with expired restrictions / bans lifted (and stored back). */
  private effectiveMember(chat: ChatState, userId: number): MemberState {
    let m = chat.members.get(userId);
    if (!m) {
      m = { user: this.user(userId), status: 'left', until_date: 0, is_member: false };
      return m;
    }
    const now = this.now();
    if (m.until_date > 0 && m.until_date <= now) {
      if (m.status === 'restricted') {
        m = { user: m.user, status: m.is_member ? 'member' : 'left', until_date: 0, is_member: m.is_member };
        chat.members.set(userId, m);
      } else if (m.status === 'kicked') {
        m = { user: m.user, status: 'left', until_date: 0, is_member: false };
        chat.members.set(userId, m);
      }
    }
    return m;
  }

  private serializeMember(chat: ChatState, m: MemberState): TgChatMember {
    const user = clone(m.user);
    switch (m.status) {
      case 'creator': {
        const o: TgChatMember = { user, status: 'creator', is_anonymous: false };
        if (m.custom_title) o.custom_title = m.custom_title;
        return o;
      }
      case 'administrator': {
        const r = m.rights ?? fullRights();
        const o: TgChatMember = { user, status: 'administrator', can_be_edited: false, ...r };
        if (chat.chat.type !== 'channel') {
          delete o.can_post_messages;
          delete o.can_edit_messages;
        }
        if (!chat.chat.is_forum) delete o.can_manage_topics;
        if (m.custom_title) o.custom_title = m.custom_title;
        return o;
      }
      case 'restricted':
        return { user, status: 'restricted', is_member: m.is_member, ...(m.permissions ?? allPermissions(false)), until_date: m.until_date };
      case 'kicked':
        return { user, status: 'kicked', until_date: m.until_date };
      case 'member':
        return m.until_date > 0 ? { user, status: 'member', until_date: m.until_date } : { user, status: 'member' };
      default:
        return { user, status: 'left' };
    }
  }

  private isAdmin(m: MemberState | undefined): boolean {
    return !!m && (m.status === 'creator' || m.status === 'administrator');
  }

  private botCan(chat: ChatState, bot: BotState, right: keyof AdminRights): boolean {
    const m = chat.members.get(bot.id);
    if (!m) return true;
    if (m.status === 'creator') return true;
    return m.status === 'administrator' && !!m.rights?.[right];
  }

  private storeFile(data: Buffer, kind: string, ext: string): StoredFile {
    const n = ++this.fileCounter;
    const f: StoredFile = {
      file_id: `AgAC${kind}${n}_${randomId(20)}`,
      file_unique_id: `AQAD${n}${randomId(6)}`,
      file_path: `${kind}/file_${n}.${ext}`,
      data,
    };
    this.files.set(f.file_id, f);
    return f;
  }

  /** Resolves an InputFile param (attach://id, file_id or URL) to a stored file. */
  private inputFile(call: Call, v: unknown, field: string, kind: string, ext: string): StoredFile {
    if (isEmpty(v)) throw bad(`there is no ${field} in the request`);
    const s = String(v);
    if (s.startsWith('attach://')) {
      const f = call.files?.[s.slice('attach://'.length)];
      if (!f) throw bad(`file must be non-empty`);
      const stored = this.storeFile(f.data, kind, ext);
      return stored;
    }
    const known = this.files.get(s);
    if (known) return known;
    // A URL or an unknown file_id: accept, with placeholder content.
    return this.storeFile(Buffer.from(`emulated ${kind}: ${s}`), kind, ext);
  }

  private ingest(bot: BotState, u: TgUpdate): void {
    const msg = u.message ?? u.edited_message ?? u.channel_post ?? u.edited_channel_post;
    if (msg && msg.chat && typeof msg.chat.id === 'number') {
      const chatObj = this.chatRef(msg.chat);
      const chat = this.ensureChat(chatObj.id, false);
      this.touchBot(chat, bot);
      if (msg.from) {
        const from = this.user(msg.from as UserRef);
        if (chat.chat.type !== 'private' && !chat.members.has(from.id) && !msg.left_chat_member) {
          chat.members.set(from.id, { user: from, status: 'member', until_date: 0, is_member: true });
        }
      }
      for (const nm of msg.new_chat_members ?? []) {
        const user = this.user(nm as UserRef);
        const cur = chat.members.get(user.id);
        if (!this.isAdmin(cur)) {
          if (cur?.status === 'restricted') chat.members.set(user.id, { ...cur, is_member: true });
          else chat.members.set(user.id, { user, status: 'member', until_date: 0, is_member: true });
        }
      }
      if (msg.left_chat_member) {
        const user = this.user(msg.left_chat_member as UserRef);
        const cur = chat.members.get(user.id);
        if (cur?.status === 'kicked') {
          /* stays kicked */
        } else if (cur?.status === 'restricted') chat.members.set(user.id, { ...cur, is_member: false });
        else chat.members.set(user.id, { user, status: 'left', until_date: 0, is_member: false });
      }
      if (typeof msg.message_id === 'number') {
        chat.messages.set(msg.message_id, msg);
        if (msg.message_id >= chat.nextMessageId) chat.nextMessageId = msg.message_id + 1;
      }
    }
    if (u.callback_query?.id) bot.callbackQueries.set(u.callback_query.id, { answered: false });
    if (u.pre_checkout_query?.id) bot.preCheckoutQueries.set(u.pre_checkout_query.id, { answered: false });
  }

  private isAllowed(bot: BotState, u: TgUpdate): boolean {
    const type = updateType(u);
    if (!type) return true;
    const allowed = bot.allowedUpdates;
    if (!allowed || allowed.length === 0) return !DEFAULT_EXCLUDED_UPDATES.has(type);
    return allowed.includes(type);
  }

  // ----- webhook delivery -----------------------------------------------------------

  private async pumpWebhook(bot: BotState): Promise<void> {
    if (bot.delivering) return;
    bot.delivering = true;
    try {
      const retries = this.options.webhookRetries ?? 3;
      const delay = this.options.webhookRetryDelayMs ?? 100;
      while (!this.closed && bot.webhook && bot.updates.length > 0) {
        const update = bot.updates[0];
        if (!this.isAllowed(bot, update)) {
          bot.updates.shift();
          continue;
        }
        const hook = bot.webhook;
        let delivered = false;
        for (let attempt = 0; attempt <= retries && !this.closed && bot.webhook === hook; attempt++) {
          if (attempt > 0) await this.sleep(delay * attempt);
          if (this.closed || bot.webhook !== hook) break;
          const r = await this.postWebhook(bot, hook, update);
          this.webhookDeliveries.push({ token: bot.token, url: hook.url, update_id: update.update_id, status: r.status, error: r.error, at: Date.now() });
          if (r.status >= 200 && r.status < 300) {
            delivered = true;
            break;
          }
          hook.last_error_date = this.now();
          hook.last_error_message = r.error ?? `Wrong response from the webhook: ${r.status} ${http.STATUS_CODES[r.status] ?? ''}`.trim();
        }
        if (bot.webhook !== hook) continue; // webhook changed: re-evaluate with the new one
        if (bot.updates[0] === update) bot.updates.shift();
        void delivered;
      }
    } finally {
      bot.delivering = false;
    }
  }

  private postWebhook(bot: BotState, hook: WebhookState, update: TgUpdate): Promise<{ status: number; error?: string }> {
    return new Promise((resolve) => {
      let url: URL;
      try {
        url = new URL(hook.url);
      } catch {
        resolve({ status: 0, error: 'invalid webhook URL' });
        return;
      }
      const data = JSON.stringify(update);
      const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
      if (hook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = hook.secret_token;
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, { method: 'POST', headers, timeout: 10_000, agent: false, rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('end', () => {
          this.webhookRequests.delete(req);
          resolve({ status: res.statusCode ?? 0 });
        });
        res.on('error', () => {
          this.webhookRequests.delete(req);
          resolve({ status: res.statusCode ?? 0 });
        });
      });
      req.on('timeout', () => req.destroy(new Error('Read timeout expired')));
      req.on('error', (err) => {
        this.webhookRequests.delete(req);
        resolve({ status: 0, error: `Connection failed: ${err.message}` });
      });
      this.webhookRequests.add(req);
      void bot;
      req.end(data);
    });
  }

  // ----- messages ---------------------------------------------------------------------

  private checkCanSend(chat: ChatState, bot: BotState, right: keyof ChatPermissions, what: string): void {
    if (chat.chat.type === 'private') {
      if (this.blocked.has(chat.chat.id)) throw forbidden('bot was blocked by the user');
      return;
    }
    const m = chat.members.get(bot.id);
    const kind = chat.chat.type === 'channel' ? 'channel chat' : `${chat.chat.type} chat`;
    if (m?.status === 'kicked') throw forbidden(`bot was kicked from the ${kind}`);
    if (m?.status === 'left') throw forbidden(`bot is not a member of the ${kind}`);
    if (m?.status === 'restricted' && !m.permissions?.[right]) throw bad(`not enough rights to send ${what} to the chat`);
    if (m?.status === 'member' && !chat.permissions[right]) throw bad(`not enough rights to send ${what} to the chat`);
  }

  private newBotMessage(bot: BotState, chat: ChatState, p: Params, fields: Partial<TgMessage>): TgMessage {
    const msg: TgMessage = {
      message_id: chat.nextMessageId++,
      from: clone(bot.user),
      chat: clone(chat.chat),
      date: this.now(),
    };
    const thread = int(p.message_thread_id);
    if (thread !== undefined) msg.message_thread_id = thread;
    const replyParams = asObject(p.reply_parameters);
    const replyId = int(replyParams?.message_id ?? p.reply_to_message_id);
    if (replyId !== undefined) {
      const target = chat.messages.get(replyId);
      const allowWithout = bool(replyParams?.allow_sending_without_reply ?? p.allow_sending_without_reply);
      if (target) msg.reply_to_message = stripReply(target);
      else if (!allowWithout) throw bad('message to be replied not found');
    }
    Object.assign(msg, fields);
    const markup = asObject(p.reply_markup);
    if (markup && Array.isArray(markup.inline_keyboard)) msg.reply_markup = { inline_keyboard: markup.inline_keyboard };
    if (bool(p.protect_content)) msg.has_protected_content = true;
    chat.messages.set(msg.message_id, msg);
    return msg;
  }

  private textFields(p: Params, textKey: 'text' | 'caption', entitiesKey: 'entities' | 'caption_entities'): Partial<TgMessage> {
    const out: Partial<TgMessage> = {};
    const t = str(p[textKey]);
    if (t !== undefined && t !== '') out[textKey] = t;
    const ents = asArray(p[entitiesKey]);
    if (ents && ents.length) out[entitiesKey] = ents as MessageEntity[];
    return out;
  }

  private findEditable(bot: BotState, p: Params): { chat: ChatState; msg: TgMessage } | undefined {
    if (!isEmpty(p.inline_message_id)) return undefined;
    const chat = this.resolveChat(bot, p.chat_id);
    const id = this.requireInt(p, 'message_id');
    const msg = chat.messages.get(id);
    if (!msg) throw bad('message to edit not found');
    if (msg.from?.id !== bot.id) throw bad("message can't be edited");
    return { chat, msg };
  }

  // ----- handlers --------------------------------------------------------------------

  private buildHandlers(): Record<string, Handler> {
    const sendMedia =
      (field: 'photo' | 'document', what: string, right: keyof ChatPermissions) =>
      ({ bot, p, call }: Ctx): TgMessage => {
        const chat = this.resolveChat(bot, p.chat_id);
        this.checkCanSend(chat, bot, right, what);
        const caption = str(p.caption);
        if (caption && caption.length > 1024) throw bad('message caption is too long');
        const ext = field === 'photo' ? 'jpg' : 'dat';
        const f = this.inputFile(call, p[field], field, field === 'photo' ? 'photos' : 'documents', ext);
        const media: Partial<TgMessage> = {};
        if (field === 'photo') {
          media.photo = [
            { file_id: f.file_id, file_unique_id: f.file_unique_id, width: 90, height: 90, file_size: f.data.length },
            { file_id: f.file_id, file_unique_id: f.file_unique_id, width: 800, height: 800, file_size: f.data.length },
          ];
        } else {
          const upload = String(p[field]).startsWith('attach://') ? call.files?.[String(p[field]).slice(9)] : undefined;
          media.document = { file_id: f.file_id, file_unique_id: f.file_unique_id, file_name: upload?.filename ?? 'file', file_size: f.data.length };
        }
        return this.newBotMessage(bot, chat, p, { ...media, ...this.textFields(p, 'caption', 'caption_entities') });
      };

    const invoiceChecks = (p: Params): { prices: Array<{ label: string; amount: number }>; total: number } => {
      for (const k of ['title', 'description', 'payload', 'currency'] as const) if (isEmpty(p[k])) throw bad(`${k} is empty`);
      const title = String(p.title);
      if (title.length > 32) throw bad('INVOICE_TITLE_INVALID');
      const payloadBytes = Buffer.byteLength(String(p.payload));
      if (payloadBytes < 1 || payloadBytes > 128) throw bad('INVOICE_PAYLOAD_INVALID');
      const prices = asArray(p.prices);
      if (!prices || prices.length === 0) throw bad('prices must be non-empty');
      const list = prices.map((x) => {
        const o = asObject(x) ?? {};
        return { label: String(o.label ?? ''), amount: int(o.amount) ?? NaN };
      });
      if (list.some((x) => !Number.isFinite(x.amount))) throw bad("can't parse prices JSON object");
      if (String(p.currency) === 'XTR') {
        if (list.length !== 1) throw bad('STARS_INVOICE_INVALID');
        if (!isEmpty(p.provider_token)) throw bad('STARS_INVOICE_INVALID');
      }
      return { prices: list, total: list.reduce((s, x) => s + x.amount, 0) };
    };

    const h: Record<string, Handler> = {
      getMe: ({ bot }) => ({
        ...clone(bot.user),
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
      }),
      logOut: () => true,
      close: () => true,

      // --- updates & webhooks ---
      getUpdates: (ctx) => this.getUpdates(ctx),
      setWebhook: ({ bot, p }) => {
        const url = str(p.url) ?? '';
        if (url === '') {
          const had = !!bot.webhook;
          bot.webhook = undefined;
          return new Described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
        }
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch {
          throw bad('invalid webhook URL specified');
        }
        if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw bad('bad webhook: An HTTPS URL must be provided for webhook');
        const secret = str(p.secret_token);
        if (secret !== undefined && secret !== '' && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw bad('bad webhook: secret token contains unallowed characters');
        const maxConn = int(p.max_connections) ?? 40;
        if (maxConn < 1 || maxConn > 100) throw bad('bad webhook: max_connections must be between 1 and 100');
        const allowed = asArray(p.allowed_updates);
        if (allowed) bot.allowedUpdates = allowed.map(String);
        if (bool(p.drop_pending_updates)) bot.updates = [];
        const same = bot.webhook?.url === url && bot.webhook?.secret_token === (secret || undefined);
        bot.webhook = {
          url,
          max_connections: maxConn,
          ...(secret ? { secret_token: secret } : {}),
          ...(bot.allowedUpdates?.length ? { allowed_updates: bot.allowedUpdates } : {}),
        };
        bot.poller?.wake('conflict');
        void this.pumpWebhook(bot);
        return new Described(true, same ? 'Webhook is already set' : 'Webhook was set');
      },
      deleteWebhook: ({ bot, p }) => {
        const had = !!bot.webhook;
        bot.webhook = undefined;
        if (bool(p.drop_pending_updates)) bot.updates = [];
        return new Described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
      },
      getWebhookInfo: ({ bot }) => {
        const w = bot.webhook;
        const info: Record<string, unknown> = {
          url: w?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: bot.updates.length,
        };
        if (w) {
          info.max_connections = w.max_connections;
          info.ip_address = '127.0.0.1';
          if (w.allowed_updates) info.allowed_updates = w.allowed_updates;
          if (w.last_error_date) {
            info.last_error_date = w.last_error_date;
            info.last_error_message = w.last_error_message;
          }
        }
        return info;
      },

      // --- commands ---
      setMyCommands: ({ bot, p }) => {
        const commands = asArray(p.commands);
        if (!commands) throw bad('commands is empty');
        const list = commands.map((c) => {
          const o = asObject(c) ?? {};
          const command = String(o.command ?? '');
          const description = String(o.description ?? '');
          if (!/^[a-z0-9_]{1,32}$/.test(command)) throw bad('BOT_COMMAND_INVALID');
          if (description.length < 1 || description.length > 256) throw bad('command description is empty');
          return { command, description };
        });
        if (list.length > 100) throw bad('too many commands');
        bot.commands.set(commandsKey(p), list);
        return true;
      },
      getMyCommands: ({ bot, p }) => clone(bot.commands.get(commandsKey(p)) ?? []),
      deleteMyCommands: ({ bot, p }) => {
        bot.commands.delete(commandsKey(p));
        return true;
      },

      // --- chats & members ---
      getChat: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const full: Record<string, unknown> = { ...clone(chat.chat), accent_color_id: 0, max_reaction_count: 11, ...clone(chat.extra) };
        if (chat.chat.type === 'group' || chat.chat.type === 'supergroup') full.permissions = { ...chat.permissions };
        return full;
      },
      getChatMember: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const userId = this.requireUserId(p);
        return this.serializeMember(chat, this.effectiveMember(chat, userId));
      },
      getChatAdministrators: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        if (chat.chat.type === 'private') throw bad('there are no administrators in the private chat');
        const out: TgChatMember[] = [];
        for (const id of chat.members.keys()) {
          const m = this.effectiveMember(chat, id);
          if (this.isAdmin(m)) out.push(this.serializeMember(chat, m));
        }
        return out.sort((a, b) => (a.status === 'creator' ? -1 : b.status === 'creator' ? 1 : 0));
      },
      getChatMemberCount: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        if (chat.chat.type === 'private') return 2;
        if (chat.member_count !== undefined) return chat.member_count;
        let n = 0;
        for (const id of chat.members.keys()) {
          const m = this.effectiveMember(chat, id);
          if (m.status === 'creator' || m.status === 'administrator' || m.status === 'member' || (m.status === 'restricted' && m.is_member)) n++;
        }
        return n;
      },
      banChatMember: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const userId = this.requireUserId(p);
        if (chat.chat.type === 'private') throw bad("chat member status can't be changed in private chats");
        const cur = this.effectiveMember(chat, userId);
        if (this.isAdmin(cur)) throw bad('user is an administrator of the chat');
        if (!this.botCan(chat, bot, 'can_restrict_members')) throw bad('not enough rights to restrict/ban chat member');
        const until = this.untilDate(p.until_date);
        chat.members.set(userId, { user: cur.user, status: 'kicked', until_date: until, is_member: false });
        if (bool(p.revoke_messages)) for (const [id, msg] of chat.messages) if (msg.from?.id === userId) chat.messages.delete(id);
        return true;
      },
      unbanChatMember: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const userId = this.requireUserId(p);
        if (chat.chat.type === 'private' || chat.chat.type === 'group') throw bad('method is available for supergroup and channel chats only');
        const cur = this.effectiveMember(chat, userId);
        if (this.isAdmin(cur)) throw bad('user is an administrator of the chat');
        if (!this.botCan(chat, bot, 'can_restrict_members')) throw bad('not enough rights to restrict/ban chat member');
        if (cur.status === 'kicked') {
          chat.members.set(userId, { user: cur.user, status: 'left', until_date: 0, is_member: false });
        } else if (!bool(p.only_if_banned) && cur.status !== 'left') {
          // Without only_if_banned Telegram also removes a current member from the chat.
          chat.members.set(userId, { user: cur.user, status: 'left', until_date: 0, is_member: false });
        }
        return true;
      },
      banChatSenderChat: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const senderChatId = this.requireInt(p, 'sender_chat_id');
        if (chat.chat.type !== 'supergroup' && chat.chat.type !== 'channel') throw bad('method is available for supergroup and channel chats only');
        if (senderChatId === chat.chat.id) throw bad("can't ban the chat itself");
        if (!this.botCan(chat, bot, 'can_restrict_members')) throw bad('not enough rights to restrict/ban chat member');
        const banned = this.senderChatBans.get(chat.chat.id) ?? new Set<number>();
        banned.add(senderChatId);
        this.senderChatBans.set(chat.chat.id, banned);
        return true;
      },
      unbanChatSenderChat: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const senderChatId = this.requireInt(p, 'sender_chat_id');
        if (chat.chat.type !== 'supergroup' && chat.chat.type !== 'channel') throw bad('method is available for supergroup and channel chats only');
        if (!this.botCan(chat, bot, 'can_restrict_members')) throw bad('not enough rights to restrict/ban chat member');
        this.senderChatBans.get(chat.chat.id)?.delete(senderChatId);
        return true;
      },
      restrictChatMember: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const userId = this.requireUserId(p);
        if (chat.chat.type === 'private') throw bad("chat member status can't be changed in private chats");
        if (chat.chat.type !== 'supergroup') throw bad('method is available only for supergroups');
        const rawPerms = asObject(p.permissions);
        if (!rawPerms) throw bad('permissions is empty');
        const cur = this.effectiveMember(chat, userId);
        if (this.isAdmin(cur)) throw bad('user is an administrator of the chat');
        if (!this.botCan(chat, bot, 'can_restrict_members')) throw bad('not enough rights to restrict/ban chat member');
        const perms = normalizePermissions(rawPerms, bool(p.use_independent_chat_permissions));
        const relevant = PERMISSION_KEYS.filter((k) => k !== 'can_manage_topics' || chat.chat.is_forum);
        const isMember = cur.status === 'member' || (cur.status === 'restricted' && cur.is_member);
        if (relevant.every((k) => perms[k])) {
          // All permissions true lifts the restrictions.
          chat.members.set(userId, { user: cur.user, status: isMember ? 'member' : cur.status === 'kicked' ? 'kicked' : 'left', until_date: cur.status === 'kicked' ? cur.until_date : 0, is_member: isMember });
          return true;
        }
        chat.members.set(userId, { user: cur.user, status: 'restricted', until_date: this.untilDate(p.until_date), is_member: isMember, permissions: perms });
        return true;
      },
      setChatPermissions: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        if (chat.chat.type === 'private' || chat.chat.type === 'channel') throw bad('method is available only for groups and supergroups');
        const rawPerms = asObject(p.permissions);
        if (!rawPerms) throw bad('permissions is empty');
        if (!this.botCan(chat, bot, 'can_restrict_members')) throw bad('not enough rights to change chat permissions');
        const perms = normalizePermissions(rawPerms, bool(p.use_independent_chat_permissions));
        if (PERMISSION_KEYS.every((k) => perms[k] === chat.permissions[k])) throw bad('CHAT_NOT_MODIFIED');
        chat.permissions = perms;
        return true;
      },
      promoteChatMember: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const userId = this.requireUserId(p);
        if (chat.chat.type === 'private') throw bad("chat member status can't be changed in private chats");
        const cur = this.effectiveMember(chat, userId);
        if (cur.status === 'creator') throw bad('not enough rights');
        if (!this.botCan(chat, bot, 'can_promote_members')) throw bad('not enough rights');
        const rights = {} as Required<AdminRights>;
        for (const k of ADMIN_RIGHT_KEYS) rights[k] = bool(p[k]);
        const any = ADMIN_RIGHT_KEYS.some((k) => k !== 'is_anonymous' && rights[k]);
        if (!any) {
          if (cur.status === 'administrator') chat.members.set(userId, { user: cur.user, status: 'member', until_date: 0, is_member: true });
          return true;
        }
        if (cur.status === 'kicked' || cur.status === 'left') throw bad('USER_NOT_PARTICIPANT');
        rights.can_manage_chat = true; // implied by any other administrator privilege
        chat.members.set(userId, { user: cur.user, status: 'administrator', until_date: 0, is_member: true, rights, custom_title: cur.custom_title });
        return true;
      },
      setChatAdministratorCustomTitle: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const userId = this.requireUserId(p);
        const cur = this.effectiveMember(chat, userId);
        if (cur.status !== 'administrator') throw bad('user is not an administrator');
        cur.custom_title = str(p.custom_title) || undefined;
        return true;
      },
      leaveChat: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        if (chat.chat.type !== 'private') chat.members.set(bot.id, { user: bot.user, status: 'left', until_date: 0, is_member: false });
        return true;
      },

      // --- messages ---
      sendMessage: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const text = str(p.text) ?? '';
        if (text.trim() === '') throw bad('message text is empty');
        if (text.length > 4096) throw bad('message is too long');
        this.checkCanSend(chat, bot, 'can_send_messages', 'text messages');
        return this.newBotMessage(bot, chat, p, this.textFields(p, 'text', 'entities'));
      },
      sendPhoto: sendMedia('photo', 'photos', 'can_send_photos'),
      sendDocument: sendMedia('document', 'documents', 'can_send_documents'),
      sendChatAction: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        if (isEmpty(p.action)) throw bad('action is empty');
        this.checkCanSend(chat, bot, 'can_send_messages', 'text messages');
        return true;
      },
      copyMessage: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const from = this.resolveChat(bot, p.from_chat_id, 'from_chat_id');
        const id = this.requireInt(p, 'message_id');
        const src = from.messages.get(id);
        if (!src) throw bad('message to copy not found');
        if (src.new_chat_members || src.left_chat_member || src.successful_payment || src.invoice) throw bad("message can't be copied");
        this.checkCanSend(chat, bot, src.photo ? 'can_send_photos' : 'can_send_messages', src.photo ? 'photos' : 'text messages');
        const fields: Partial<TgMessage> = {};
        for (const k of ['text', 'entities', 'photo', 'document'] as const) if (src[k] !== undefined) (fields as Record<string, unknown>)[k] = clone(src[k]);
        if (src.caption !== undefined) fields.caption = src.caption;
        if (src.caption_entities !== undefined) fields.caption_entities = clone(src.caption_entities);
        if (p.caption !== undefined) {
          delete fields.caption;
          delete fields.caption_entities;
          Object.assign(fields, this.textFields(p, 'caption', 'caption_entities'));
        }
        const msg = this.newBotMessage(bot, chat, p, fields);
        return { message_id: msg.message_id };
      },
      forwardMessage: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const from = this.resolveChat(bot, p.from_chat_id, 'from_chat_id');
        const id = this.requireInt(p, 'message_id');
        const src = from.messages.get(id);
        if (!src) throw bad('message to forward not found');
        this.checkCanSend(chat, bot, 'can_send_messages', 'text messages');
        const fields: Partial<TgMessage> = {};
        for (const k of ['text', 'entities', 'caption', 'caption_entities', 'photo', 'document'] as const) {
          if (src[k] !== undefined) (fields as Record<string, unknown>)[k] = clone(src[k]);
        }
        fields.forward_origin = src.from
          ? { type: 'user', sender_user: clone(src.from), date: src.date }
          : { type: 'chat', sender_chat: clone(src.chat), date: src.date };
        return this.newBotMessage(bot, chat, { ...p, reply_markup: undefined }, fields);
      },
      editMessageText: ({ bot, p }) => {
        const text = str(p.text) ?? '';
        if (text.trim() === '') throw bad('message text is empty');
        if (text.length > 4096) throw bad('MESSAGE_TOO_LONG');
        const found = this.findEditable(bot, p);
        if (!found) return true; // inline message
        const { msg } = found;
        if (msg.text === undefined) throw bad('there is no text in the message to edit');
        const markup = inlineMarkup(p.reply_markup);
        const ents = asArray(p.entities);
        if (msg.text === text && sameJson(msg.reply_markup, markup) && (!ents || sameJson(msg.entities, ents))) throw notModified();
        msg.text = text;
        if (ents && ents.length) msg.entities = ents as MessageEntity[];
        else delete msg.entities;
        if (markup) msg.reply_markup = markup;
        else delete msg.reply_markup;
        msg.edit_date = this.now();
        return clone(msg);
      },
      editMessageCaption: ({ bot, p }) => {
        const found = this.findEditable(bot, p);
        if (!found) return true;
        const { msg } = found;
        if (!msg.photo && !msg.document) throw bad('there is no caption in the message to edit');
        const caption = str(p.caption);
        const markup = inlineMarkup(p.reply_markup);
        if (msg.caption === caption && sameJson(msg.reply_markup, markup)) throw notModified();
        if (caption) msg.caption = caption;
        else delete msg.caption;
        if (markup) msg.reply_markup = markup;
        else delete msg.reply_markup;
        msg.edit_date = this.now();
        return clone(msg);
      },
      editMessageReplyMarkup: ({ bot, p }) => {
        const found = this.findEditable(bot, p);
        if (!found) return true;
        const { msg } = found;
        const markup = inlineMarkup(p.reply_markup);
        if (sameJson(msg.reply_markup, markup)) throw notModified();
        if (markup) msg.reply_markup = markup;
        else delete msg.reply_markup;
        msg.edit_date = this.now();
        return clone(msg);
      },
      deleteMessage: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const id = this.requireInt(p, 'message_id');
        const msg = chat.messages.get(id);
        if (!msg) throw bad('message to delete not found');
        this.checkDeletable(chat, bot, msg);
        chat.messages.delete(id);
        return true;
      },
      deleteMessages: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const ids = asArray(p.message_ids);
        if (!ids || ids.length === 0) throw bad('message_ids is empty');
        if (ids.length > 100) throw bad('too many message identifiers specified');
        let deleted = 0;
        for (const raw of ids) {
          const id = int(raw);
          const msg = id === undefined ? undefined : chat.messages.get(id);
          if (!msg || id === undefined) continue;
          try {
            this.checkDeletable(chat, bot, msg);
          } catch {
            continue;
          }
          chat.messages.delete(id);
          deleted++;
        }
        if (deleted === 0) throw bad('message to delete not found');
        return true;
      },
      pinChatMessage: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const id = this.requireInt(p, 'message_id');
        if (!chat.messages.has(id)) throw bad('message to pin not found');
        if (chat.chat.type !== 'private' && !this.botCan(chat, bot, 'can_pin_messages')) throw bad('not enough rights to manage pinned messages in the chat');
        chat.extra.pinned_message = clone(chat.messages.get(id));
        return true;
      },
      unpinChatMessage: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        delete chat.extra.pinned_message;
        return true;
      },
      unpinAllChatMessages: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        delete chat.extra.pinned_message;
        return true;
      },

      // --- callbacks & payments ---
      answerCallbackQuery: ({ bot, p }) => {
        const id = str(p.callback_query_id);
        if (!id) throw bad('callback_query_id is empty');
        const text = str(p.text);
        if (text && text.length > 200) throw bad('MESSAGE_TOO_LONG');
        const q = bot.callbackQueries.get(id);
        if (q?.answered) throw bad('query is too old and response timeout expired or query ID is invalid');
        if (q) q.answered = true;
        return true;
      },
      answerPreCheckoutQuery: ({ bot, p }) => {
        const id = str(p.pre_checkout_query_id);
        if (!id) throw bad('pre_checkout_query_id is empty');
        if (p.ok === undefined) throw bad('ok is empty');
        if (!bool(p.ok) && isEmpty(p.error_message)) throw bad('error_message is empty');
        const q = bot.preCheckoutQueries.get(id);
        if (q?.answered) throw bad('query is too old and response timeout expired or query ID is invalid');
        if (q) q.answered = true;
        return true;
      },
      sendInvoice: ({ bot, p }) => {
        const chat = this.resolveChat(bot, p.chat_id);
        const { total } = invoiceChecks(p);
        this.checkCanSend(chat, bot, 'can_send_messages', 'text messages');
        const invoice = {
          title: String(p.title),
          description: String(p.description),
          start_parameter: str(p.start_parameter) ?? '',
          currency: String(p.currency),
          total_amount: total,
        };
        return this.newBotMessage(bot, chat, p, { invoice });
      },
      createInvoiceLink: ({ p }) => {
        invoiceChecks(p);
        const period = int(p.subscription_period);
        if (period !== undefined && period !== 2592000) throw bad('SUBSCRIPTION_PERIOD_INVALID');
        return `https://t.me/$invoice-${++this.invoiceLinks}`;
      },
      refundStarPayment: ({ bot, p }) => {
        this.requireUserId(p);
        const charge = str(p.telegram_payment_charge_id);
        if (!charge) throw bad('telegram_payment_charge_id is empty');
        if (bot.refundedCharges.has(charge)) throw bad('CHARGE_ALREADY_REFUNDED');
        bot.refundedCharges.add(charge);
        return true;
      },
      getStarTransactions: () => ({ transactions: [] }),

      // --- files ---
      getFile: ({ p }) => {
        const id = str(p.file_id);
        if (!id) throw bad('file_id is empty');
        let f = this.files.get(id);
        if (!f) {
          f = this.storeFile(Buffer.from(`emulated file: ${id}`), 'documents', 'dat');
          this.files.delete(f.file_id);
          f.file_id = id;
          this.files.set(id, f);
        }
        return { file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.data.length, file_path: f.file_path };
      },
    };
    return h;
  }

  private checkDeletable(chat: ChatState, bot: BotState, msg: TgMessage): void {
    if (this.now() - msg.date > 48 * 3600) throw bad("message can't be deleted for everyone");
    if (chat.chat.type === 'private') return;
    if (msg.from?.id === bot.id) return;
    if (!this.botCan(chat, bot, 'can_delete_messages') || !this.isAdmin(chat.members.get(bot.id))) throw bad("message can't be deleted");
  }

  /** Telegram: until_date < 30 s or > 366 days from now means forever (0). */
  private untilDate(v: unknown): number {
    const d = int(v);
    if (d === undefined || d <= 0) return 0;
    const delta = d - this.now();
    if (delta < FOREVER_MIN || delta > FOREVER_MAX) return 0;
    return d;
  }

  private async getUpdates({ bot, p, res }: Ctx): Promise<TgUpdate[]> {
    if (bot.webhook) throw new TgError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    // A newer getUpdates request terminates the held one.
    bot.poller?.wake('conflict');
    const allowed = asArray(p.allowed_updates);
    if (allowed) bot.allowedUpdates = allowed.map(String);
    const offset = int(p.offset);
    if (offset !== undefined && offset !== 0) {
      if (offset > 0) bot.updates = bot.updates.filter((u) => u.update_id >= offset);
      else bot.updates = bot.updates.slice(offset); // negative: keep the last |offset|
    }
    let limit = int(p.limit) ?? 100;
    if (limit < 1 || limit > 100) limit = 100;
    const timeout = Math.max(0, int(p.timeout) ?? 0);
    const take = (): TgUpdate[] => {
      bot.updates = bot.updates.filter((u) => this.isAllowed(bot, u));
      return bot.updates.slice(0, limit);
    };
    const ready = take();
    if (ready.length > 0 || timeout === 0 || this.closed) return ready;

    const reason = await new Promise<WakeReason>((resolve) => {
      let done = false;
      const poller: Poller = {
        wake: (r) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          res.off('close', onClose);
          if (bot.poller === poller) bot.poller = undefined;
          resolve(r);
        },
      };
      const timer = setTimeout(() => poller.wake('timeout'), timeout * 1000);
      const onClose = (): void => {
        if (!res.writableEnded) poller.wake('aborted');
      };
      res.on('close', onClose);
      bot.poller = poller;
    });
    if (reason === 'conflict') {
      if (bot.webhook) throw new TgError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      throw new TgError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    }
    if (reason === 'aborted') return [];
    return take();
  }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

function isMessage(m: TgMessage | { chat_id: number; message_id: number }): m is TgMessage {
  return typeof (m as { chat?: unknown }).chat === 'object' && (m as { chat?: unknown }).chat !== null;
}

function guessChatType(id: number): ChatType {
  if (id > 0) return 'private';
  return id <= SUPERGROUP_ID_LIMIT ? 'supergroup' : 'group';
}

function commandEntities(text: string): MessageEntity[] {
  const m = /^\/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,64})?/.exec(text);
  return m ? [{ offset: 0, length: m[0].length, type: 'bot_command' }] : [];
}

function stripReply(m: TgMessage): TgMessage {
  const c = clone(m);
  delete c.reply_to_message;
  return c;
}

function inlineMarkup(v: unknown): Record<string, unknown> | undefined {
  const o = asObject(v);
  return o && Array.isArray(o.inline_keyboard) && o.inline_keyboard.length > 0 ? { inline_keyboard: o.inline_keyboard } : undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function notModified(): TgError {
  return bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
}

function commandsKey(p: Params): string {
  const scope = asObject(p.scope) ?? { type: 'default' };
  return JSON.stringify([scope.type ?? 'default', scope.chat_id ?? null, scope.user_id ?? null, str(p.language_code) ?? '']);
}

function faultError(f: Fault): TgError {
  const code = f.error_code;
  if (code === 429) {
    const retry = f.retry_after ?? 1;
    return new TgError(429, f.description ?? `Too Many Requests: retry after ${retry}`, { retry_after: retry });
  }
  const params = f.migrate_to_chat_id !== undefined ? { migrate_to_chat_id: f.migrate_to_chat_id } : f.retry_after !== undefined ? { retry_after: f.retry_after } : undefined;
  return new TgError(code, f.description ?? DEFAULT_DESCRIPTIONS[code] ?? `Error ${code}`, params);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function drain(req: http.IncomingMessage): Promise<void> {
  try {
    await readBody(req);
  } catch {
    /* ignore */
  }
}

/** Starts an emulator on 127.0.0.1 (`port` 0 = random). */
export async function startTelegramEmulator(options: EmulatorOptions = {}): Promise<TelegramEmulator> {
  const emu = new TelegramEmulator(options);
  await emu.listen(options.port ?? 0);
  return emu;
}
