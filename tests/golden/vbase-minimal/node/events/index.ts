// Keys are handler ids: each must equal an `events` key in service.json.
// Add handlers with `scaffold add-event` / `scaffold add-worker`.
export const events = {}
