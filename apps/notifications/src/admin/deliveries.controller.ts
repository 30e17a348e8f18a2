import { Controller, Get, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { DELIVERY_LOG } from '../notifications.tokens';
import { type DeliveryLog, type DeliveryRecord, type DeliveryStatus } from '../delivery/delivery-log';
import { Notifier } from '../delivery/notifier';
import { AdminTokenGuard } from './admin-token';

class DeliveriesQuery {
  @IsOptional() @IsIn(['pending', 'sent', 'failed', 'dead']) status?: DeliveryStatus;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000) limit?: number;
}

/** What an operator sees of a delivery: never the message body (it may carry a sign-in or invitation link). */
function summaryOf(record: DeliveryRecord) {
  return {
    id: record._id,
    channel: record.message.channel,
    to: record.message.to,
    status: record.status,
    attempts: record.attempts,
    ...(record.lastError ? { lastError: record.lastError } : {}),
    ...(record.providerId ? { providerId: record.providerId } : {}),
    updatedAt: record.updatedAt,
  };
}

/** Operator routes of the notifications service (not public: the gateway does not route here). */
@Controller('admin/deliveries')
@UseGuards(AdminTokenGuard)
export class DeliveriesController {
  constructor(
    @Inject(DELIVERY_LOG) private readonly log: DeliveryLog,
    private readonly notifier: Notifier,
  ) {}

  @Get()
  async list(@Query() query: DeliveriesQuery) {
    const records = await this.log.list(query.status ?? 'dead', query.limit ?? 100);
    return { items: records.map(summaryOf) };
  }

  /** Every dead delivery back to pending and tried once more now; answers how each ended. */
  @Post('retry-dead')
  async retryDead() {
    const outcomes = await this.notifier.retryDead();
    return { retried: outcomes.length, items: outcomes.map(summaryOf) };
  }
}
