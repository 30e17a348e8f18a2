import { type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Subscription } from './message-bus';

/** A Nest provider that consumes from the bus for the application's lifetime: subscribe at start, close at stop. */
export abstract class BusSubscriber implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;

  protected abstract subscribe(): Promise<Subscription>;

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.subscribe();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
