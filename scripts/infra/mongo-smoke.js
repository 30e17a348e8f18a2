#!/usr/bin/env node
// Proves the MongoDB-protocol server works with our driver: connect, insert, find, drop.
const mongoose = require('mongoose');
const url = process.env.MONGO_URL || 'mongodb://127.0.0.1:27018/';
(async () => {
  const conn = await mongoose
    .createConnection(url, { dbName: `infra_smoke_${Date.now()}`, serverSelectionTimeoutMS: 15_000 })
    .asPromise();
  await conn.collection('smoke').insertOne({ _id: 'a', n: 1 });
  const doc = await conn.collection('smoke').findOne({ _id: 'a' });
  await conn.dropDatabase();
  await conn.close();
  if (!doc || doc.n !== 1) throw new Error('document did not round-trip');
  console.error('[infra] MongoDB-protocol smoke test passed');
})().catch((e) => {
  console.error('[infra] MongoDB smoke test failed:', e.message);
  process.exit(1);
});
