// knex's settings, read by its CLI (`npx knex migrate:latest`) and by src/server.js.
// DATABASE_URL comes from the environment (wtdock sets it per ticket); a .env beside this file
// (copy .env.example) fills in what the environment leaves unset, for runs outside wtdock.
try {
  process.loadEnvFile(`${__dirname}/.env`)
} catch (err) {
  if (err.code !== 'ENOENT') throw err
}

if (!process.env.DATABASE_URL) {
  throw new Error('DATABASE_URL is not set (wtdock sets it; outside wtdock, copy .env.example to .env)')
}

module.exports = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  pool: { min: 0, max: 5 },
  migrations: { directory: `${__dirname}/migrations` },
}
