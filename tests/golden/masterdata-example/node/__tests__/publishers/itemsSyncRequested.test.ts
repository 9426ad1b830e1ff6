import {
  ITEMS_SYNC_REQUESTED,
  MAX_ITEMS_PER_JOB,
  isItemsSyncRequestedPayload,
  publishItemsSyncRequested,
} from '../../publishers/itemsSyncRequested'
import { createTestApp } from '../fakes'

describe('publishItemsSyncRequested', () => {
  it('sends the payload as-is on the items-sync-requested topic, as this app', async () => {
    const { clients, events } = createTestApp()
    const payload = { jobId: 'job-1', itemIds: ['a', 'b'] }

    await publishItemsSyncRequested({ clients }, payload)

    expect(ITEMS_SYNC_REQUESTED).toBe('items-sync-requested')
    expect(events.sent).toEqual([{ appId: '', route: 'items-sync-requested', message: payload }])
  })

  it('accepts only small, well-formed payloads', () => {
    expect(isItemsSyncRequestedPayload({ jobId: 'j', itemIds: ['a'] })).toBe(true)
    expect(isItemsSyncRequestedPayload({ jobId: 'j', itemIds: [] })).toBe(false)
    expect(isItemsSyncRequestedPayload({ jobId: '', itemIds: ['a'] })).toBe(false)
    expect(isItemsSyncRequestedPayload({ jobId: 'j', itemIds: ['a', 2] })).toBe(false)
    const max = Array.from({ length: MAX_ITEMS_PER_JOB }, (_, i) => `i${i}`)
    expect(isItemsSyncRequestedPayload({ jobId: 'j', itemIds: max })).toBe(true)
    expect(isItemsSyncRequestedPayload({ jobId: 'j', itemIds: [...max, 'one-more'] })).toBe(false)
  })
})
