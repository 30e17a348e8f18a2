import { type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { featuresPb } from './generated';

/** Version we report; the client uses it only for feature detection, and we list our methods explicitly. */
export const EMBEDDED_SERVER_VERSION = '24.10.0-embedded';

const METHODS: [service: string, method: string][] = [
  ['event_store.client.streams.streams', 'read'],
  ['event_store.client.streams.streams', 'append'],
  ['event_store.client.streams.streams', 'batchappend'],
  ['event_store.client.streams.streams', 'delete'],
  ['event_store.client.server_features.serverfeatures', 'getsupportedmethods'],
];

/** Listing BatchAppend makes the client send every append over one multiplexed stream instead of a call each. */
export function serverFeaturesService(): UntypedServiceImplementation {
  return {
    getSupportedMethods: (
      _call: unknown,
      callback: sendUnaryData<InstanceType<typeof featuresPb.SupportedMethods>>,
    ) => {
      const methods = METHODS.map(([service, method]) =>
        new featuresPb.SupportedMethod().setServiceName(service).setMethodName(method),
      );
      callback(
        null,
        new featuresPb.SupportedMethods()
          .setMethodsList(methods)
          .setEventStoreServerVersion(EMBEDDED_SERVER_VERSION),
      );
    },
  };
}
