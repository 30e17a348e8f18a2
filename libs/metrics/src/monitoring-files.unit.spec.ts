import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { metricsRegistry } from './index';

const monitoring = join(__dirname, '../../../deploy/monitoring');

/** The series a PromQL expression names (histograms through their _bucket/_count/_sum). */
function seriesIn(expr: string): string[] {
  const functions = new Set([
    'sum',
    'rate',
    'increase',
    'deriv',
    'max',
    'histogram_quantile',
    'by',
    'and',
    'le',
  ]);
  return [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=[{[)\s]|$)/g)]
    .map((m) => m[1]!)
    .filter((name) => name.includes('_') && !functions.has(name))
    .filter((name) => !/^(service|route|status|group|topic|relay|command|outcome|channel)$/.test(name));
}

const exported = async () => {
  const names = new Set<string>();
  for (const metric of await metricsRegistry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${metric.name}${suffix}`);
  }
  return names;
};

describe('the Grafana dashboard and the alert rules in deploy/monitoring', () => {
  it('query only series the services export', async () => {
    const names = await exported();
    const dashboard = JSON.parse(readFileSync(join(monitoring, 'grafana-dashboard.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const rules = parse(readFileSync(join(monitoring, 'alert-rules.yaml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string; annotations: { summary: string } }[] }[];
    };
    const expressions = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ];
    expect(expressions.length).toBeGreaterThanOrEqual(14);
    const used = expressions.flatMap(seriesIn);
    expect([...new Set(used)].sort()).toEqual([
      'bus_consumer_crashes_total',
      'bus_consumer_lag',
      'bus_messages_handled_total',
      'command_duration_seconds_bucket',
      'command_duration_seconds_count',
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_count',
      'notifications_deliveries_total',
      'relay_events_published_total',
      'relay_lag_seconds',
      'relay_leader',
    ]);
    expect(used.filter((name) => !names.has(name))).toEqual([]);
    // and the rules cover what the operators asked for: lag growing, DLQ growth, the error rate
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        'ConsumerLagGrowing',
        'ConsumersCrashing',
        'DeadLettersAppearing',
        'HighHttpErrorRate',
      ]),
    );
  });

  it('a series that does not exist is caught', () => {
    expect(seriesIn('sum by (group) (rate(bus_messages_handeld_total{outcome="x"}[5m]))')).toEqual([
      'bus_messages_handeld_total',
    ]);
  });
});
