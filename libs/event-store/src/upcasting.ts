import { type DomainEvent } from '@app/domain';

/** Turns version `from` of an event type's data into version `from + 1`. */
export type Upcast = (data: Record<string, unknown>) => Record<string, unknown>;

/**
 * Old event versions are upgraded on read, one step at a time, so deciders and projections only ever see the
 * current shape. A breaking change is a new version with an upcaster from the previous one.
 */
export class Upcasters {
  private readonly steps = new Map<string, Map<number, Upcast>>();
  private readonly current = new Map<string, number>();

  register(type: string, fromVersion: number, upcast: Upcast): this {
    const byVersion = this.steps.get(type) ?? new Map<number, Upcast>();
    if (byVersion.has(fromVersion))
      throw new Error(`upcaster for ${type} v${fromVersion} already registered`);
    byVersion.set(fromVersion, upcast);
    this.steps.set(type, byVersion);
    this.current.set(type, Math.max(this.current.get(type) ?? 1, fromVersion + 1));
    return this;
  }

  currentVersion(type: string): number {
    return this.current.get(type) ?? 1;
  }

  upcast<E extends DomainEvent>(type: string, data: unknown, version: number): E {
    let shaped = data as Record<string, unknown>;
    const byVersion = this.steps.get(type);
    for (let v = version; byVersion && v < this.currentVersion(type); v++) {
      const step = byVersion.get(v);
      if (!step) throw new Error(`no upcaster for ${type} from v${v}`);
      shaped = step(shaped);
    }
    return { type, data: shaped } as unknown as E;
  }
}

export const noUpcasters = new Upcasters();
