import { Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@app/domain';
import { OperatorGuard } from '../auth/operator.guard';
import { RebuildJobs } from '../read-models/rebuild-jobs';
import { RebuildStatusView, answers } from './dto/views.dto';
import { problems } from './problems';

/** Operator routes: for the user ids in IDENTITY_OPERATORS only. */
@ApiTags('operator')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('v1/operator')
export class OperatorController {
  constructor(@Inject(RebuildJobs) private readonly rebuilds: RebuildJobs) {}

  @Post('read-models/rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Re-project every read model from the event store into fresh collections, then switch reads over at once (reads keep working throughout)',
  })
  @answers(202, RebuildStatusView)
  @problems(401, 403, 409)
  start() {
    return this.rebuilds.start();
  }

  @Get('read-models/rebuild')
  @ApiOperation({ summary: 'The latest rebuild: state, events, events/s, position, fraction done and ETA' })
  @answers(200, RebuildStatusView, { lagging: false })
  @problems(401, 403, 404)
  status() {
    const status = this.rebuilds.status();
    if (!status)
      throw new DomainError('rebuild-not-found', 'not-found', 'no rebuild has run since the start');
    return status;
  }
}
