/**
 * The app's own `items-sync-requested` event: the contract between its producer and its consumer.
 * IDs only; the consumer fetches details from the source of truth.
 */
import type { Clients } from '../clients'

export const ITEMS_SYNC_REQUESTED = 'items-sync-requested'
export const MAX_ITEMS_PER_JOB = 100
const MAX_ID_LENGTH = 128

export interface ItemsSyncRequestedPayload {
  jobId: string
  itemIds: string[]
}

export const isItemId = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '' && value.length <= MAX_ID_LENGTH

export const isItemIdList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.length <= MAX_ITEMS_PER_JOB && value.every(isItemId)

export function isItemsSyncRequestedPayload(body: unknown): body is ItemsSyncRequestedPayload {
  if (typeof body !== 'object' || body === null) return false
  const { jobId, itemIds } = body as Record<string, unknown>
  return isItemId(jobId) && isItemIdList(itemIds)
}

/** '' as the app id: the event is sent as this app (sender `acme.order-sync`) to whoever
 * subscribes to the topic, like real VTEX publishers do. */
export async function publishItemsSyncRequested(
  ctx: { clients: Clients },
  payload: ItemsSyncRequestedPayload
): Promise<void> {
  await ctx.clients.events.sendEvent('', ITEMS_SYNC_REQUESTED, payload)
}
