import { type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type Subscription } from './message-bus';

/**
 * A Nest provider that consumes from the bus for the application's lifetime: subscribe at start, stop at shutdown.
 * It stops before any connection closes (`onApplicationShutdown`, where the bus, stores and logs close), so the
 * message in hand is finished on live connections; Nest runs one module's shutdown hooks concurrently.
 */
export abstract class BusSubscriber implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription: Subscription | undefined;

  protected abstract subscribe(): Promise<Subscription>;

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.subscribe();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
