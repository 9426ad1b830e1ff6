import { syncItemsJob, syncItemsJobs, syncItemsRedrive } from './syncItemsJobs'

// Keys are route ids: each must equal a `routes` key in service.json.
export const routes = {
  syncItemsJobs,
  syncItemsJob,
  syncItemsRedrive,
}
