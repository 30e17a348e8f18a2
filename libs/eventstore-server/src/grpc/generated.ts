/**
 * EventStoreDB's gRPC service definitions and message classes, as generated from its .proto files and shipped inside
 * @eventstore/db-client. Serving the very definitions the client was built against keeps the wire format identical.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as StreamsPb from '@eventstore/db-client/generated/streams_pb';
import type * as SharedPb from '@eventstore/db-client/generated/shared_pb';
import type * as FeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb';
import { type ServiceDefinition } from '@grpc/grpc-js';

export const streamsPb = require('@eventstore/db-client/generated/streams_pb') as typeof StreamsPb;
export const sharedPb = require('@eventstore/db-client/generated/shared_pb') as typeof SharedPb;
export const featuresPb = require('@eventstore/db-client/generated/serverfeatures_pb') as typeof FeaturesPb;
export const StreamsService = (
  require('@eventstore/db-client/generated/streams_grpc_pb') as { StreamsService: ServiceDefinition }
).StreamsService;
export const ServerFeaturesService = (
  require('@eventstore/db-client/generated/serverfeatures_grpc_pb') as {
    ServerFeaturesService: ServiceDefinition;
  }
).ServerFeaturesService;

export const statusPb = require('@eventstore/db-client/generated/status_pb') as {
  Status: new () => {
    setCode(code: number): unknown;
    setMessage(message: string): unknown;
    setDetails(details: unknown): unknown;
  };
};
export const anyPb = require('google-protobuf/google/protobuf/any_pb') as {
  Any: new () => { pack(serialized: Uint8Array, name: string): void };
};
export const emptyPb = require('google-protobuf/google/protobuf/empty_pb') as { Empty: new () => object };
