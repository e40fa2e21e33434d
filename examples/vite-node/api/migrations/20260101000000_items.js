// The items table and its seed rows. The seed lives in the migration, not in a knex seed file, so it
// runs exactly once per database: `migrate:latest` on every start leaves the rows alone.
exports.up = async (knex) => {
  await knex.schema.createTable('items', (table) => {
    table.increments('id')
    table.text('title').notNullable()
  })
  await knex('items').insert([
    { title: 'Write the design' },
    { title: 'Build the stand-in image' },
    { title: 'Ship the example' },
  ])
}

exports.down = (knex) => knex.schema.dropTable('items')
