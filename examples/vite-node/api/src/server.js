const express = require('express')
const knex = require('knex')
const config = require('../knexfile')

const db = knex(config)
const app = express()

// Express 5 sends a rejected handler to the error handler: a database that is down answers 500.
app.get('/health', async (req, res) => {
  await db.raw('select 1')
  res.type('text/plain').send('ok')
})

app.get('/api/items', async (req, res) => {
  res.json(await db('items').select('id', 'title').orderBy('id'))
})

const port = Number(process.env.PORT ?? 8080)
const server = app.listen(port, '0.0.0.0', (err) => {
  if (err) throw err
  console.log(`api: listening on http://0.0.0.0:${port}`)
})

// Stop at once on `docker stop` (SIGTERM) or Ctrl-C, rather than waiting out the grace period.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close()
    db.destroy().finally(() => process.exit(0))
  })
}
