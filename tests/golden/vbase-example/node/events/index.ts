import { syncItems } from '../workers/syncItems'
import { orderStatusUpdated } from './orderStatusUpdated'

// Keys are handler ids: each must equal an `events` key in service.json.
export const events = {
  orderStatusUpdated,
  syncItems,
}
