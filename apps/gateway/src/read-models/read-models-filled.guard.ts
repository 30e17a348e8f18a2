import { Injectable, UseGuards, type CanActivate } from '@nestjs/common';
import { ProjectionFeed } from './projection-feed';

/**
 * For routes whose answers or whose authorization come from the read models: until their first fill is done, a 503
 * `service-unavailable` with `Retry-After`. A part-filled model holds an earlier state of the history, in which a
 * member since removed or demoted still has their old rights.
 */
@Injectable()
export class ReadModelsFilled implements CanActivate {
  constructor(private readonly feed: ProjectionFeed) {}

  canActivate(): boolean {
    this.feed.requireFilled();
    return true;
  }
}

/** Marks a controller or route that answers or authorizes from the read models (see {@link ReadModelsFilled}). */
export const ReadsReadModels = () => UseGuards(ReadModelsFilled);
