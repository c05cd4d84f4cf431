// Request correlation: `request_id` from `x-request-id` (or the framework's request id), `trace_id` / `span_id` from a
// W3C `traceparent` header. Values are untrusted: checked against their shape, never copied as they come.

export interface Correlation {
  request_id?: string;
  trace_id?: string;
  span_id?: string;
}

import { cleanRequestId } from './clean.js';

type HeaderBag = Record<string, string | string[] | undefined> | { get(name: string): string | null };

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}/;
const ZERO_TRACE = /^0+$/;

function header(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A request id fit for the line (clean.ts: identifier characters, no email, JWT or credential). */
export function requestIdOf(value: unknown): string | undefined {
  return cleanRequestId(value);
}

export function correlationOf(headers: HeaderBag | undefined, frameworkRequestId?: unknown): Correlation {
  const correlation: Correlation = {};
  const requestId = requestIdOf(header(headers, 'x-request-id')) ?? requestIdOf(frameworkRequestId);
  if (requestId !== undefined) correlation.request_id = requestId;
  const traceparent = header(headers, 'traceparent');
  if (traceparent !== undefined) {
    const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
    if (match?.[1] && match[2] && !ZERO_TRACE.test(match[1]) && !ZERO_TRACE.test(match[2])) {
      correlation.trace_id = match[1];
      correlation.span_id = match[2];
    }
  }
  return correlation;
}
