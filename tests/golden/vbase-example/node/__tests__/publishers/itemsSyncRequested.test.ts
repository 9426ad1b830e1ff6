import { createTestApp } from '../platform'
import {
  ITEMS_SYNC_REQUESTED,
  MAX_ITEMS_PER_JOB,
  isItemsSyncRequestedPayload,
  publishItemsSyncRequested,
} from '../../publishers/itemsSyncRequested'

describe('publishItemsSyncRequested', () => {
  it('sends the payload as-is on the items-sync-requested topic, as this app, through the real Events client', async () => {
    const { event, platform } = createTestApp()
    const payload = { jobId: 'job-1', itemIds: ['a', 'b'] }

    await publishItemsSyncRequested(event({}), payload)

    expect(ITEMS_SYNC_REQUESTED).toBe('items-sync-requested')
    expect(platform.events.sent).toEqual([{ route: 'items-sync-requested', resource: '', message: payload }])
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
