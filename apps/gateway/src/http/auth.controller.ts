import { clientAddress } from '../edge/client-address';
import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { Public } from '../auth/caller';
import { SessionChecks } from '../auth/session-checks';
import { ReadYourWrites } from '../commands/read-your-writes';
import { WriteServices, type Profile } from '../commands/write-services';
import {
  EmailBody,
  LoginBody,
  LogoutBody,
  RefreshBody,
  RegisterBody,
  ResetPasswordBody,
  TokenBody,
  TwoFactorLoginBody,
} from './dto/auth.dto';
import { AcceptedView, SessionView, UserView, answers, done } from './dto/views.dto';
import { problems } from './problems';
import { AnonymousRequesters } from './requester';

@ApiTags('auth')
@Public()
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly services: WriteServices,
    private readonly freshness: ReadYourWrites,
    private readonly sessions: SessionChecks,
    private readonly anonymous: AnonymousRequesters,
  ) {}

  @Post('register')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Create an account; a verification link is mailed (R18). Answers alike for a taken address; a number another account holds is left off.',
  })
  @answers(202, AcceptedView)
  @problems(400, 409, 429)
  register(@Body() body: RegisterBody, @Req() req: FastifyRequest) {
    return this.services.identity({ type: 'Register', ...body }, this.anonymous.requesterOf(req));
  }

  @Post('verify-email')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Confirm the address with the token that was mailed (R18): a new account's, or the one an account asked to move to, which it moves to now",
  })
  @answers(200, UserView)
  // 403: moving a locked account; 409: someone took the address the account asked to move to; 422: the link is for
  // an address the account has since changed.
  @problems(400, 403, 409, 410, 422)
  async verifyEmail(
    @Body() body: TokenBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const profile = await this.services.identity<Profile>(
      { type: 'VerifyEmail', token: body.token },
      this.anonymous.requesterOf(req),
    );
    return this.freshness.answerProfile(profile, res);
  }

  @Post('verify-email/resend')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a fresh verification link (R18); answers alike whether or not the account exists',
  })
  @answers(202, AcceptedView)
  @problems(400, 429)
  resendVerification(@Body() body: EmailBody, @Req() req: FastifyRequest) {
    return this.services.identity(
      { type: 'ResendVerification', email: body.email },
      this.anonymous.requesterOf(req),
    );
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'E-mail and password: an access token (5 min) and a refresh token, or a two-factor challenge (R22)',
  })
  @answers(200, SessionView, { lagging: false })
  @problems(400, 403, 429)
  login(@Body() body: LoginBody, @Req() req: FastifyRequest) {
    return this.services.identity(
      { type: 'Login', ...body, ip: clientAddress(req) },
      this.anonymous.requesterOf(req),
    );
  }

  @Post('login/two-factor')
  @HttpCode(200)
  @ApiOperation({ summary: 'The TOTP (or recovery code) step of a login (R22)' })
  @answers(200, SessionView, { lagging: false })
  @problems(400, 403, 429)
  loginTwoFactor(@Body() body: TwoFactorLoginBody, @Req() req: FastifyRequest) {
    return this.services.identity(
      { type: 'CompleteTwoFactorLogin', ...body, ip: clientAddress(req) },
      this.anonymous.requesterOf(req),
    );
  }

  // A refresh or sign-out carries a long random secret, so nothing is guessed through them: the sign-in limit of the
  // address would only keep people behind the same address (a NAT, a proxy) from ending their sessions.
  @Post('refresh')
  @SkipThrottle({ auth: true })
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token; using an old one again ends the session' })
  @answers(200, SessionView, { lagging: false })
  @problems(400, 403)
  refresh(@Body() body: RefreshBody, @Req() req: FastifyRequest) {
    return this.services.identity(
      { type: 'Refresh', refreshToken: body.refreshToken },
      this.anonymous.requesterOf(req),
    );
  }

  @Post('logout')
  @SkipThrottle({ auth: true })
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke a refresh token and its session, or (everywhere) every session of its user',
    description:
      'The access tokens of the session stop working at once on this gateway, and within `SESSION_CHECK_MS` ' +
      "(15 s) on the others; with `everywhere`, the user's other sessions' within `SESSION_CHECK_MS` everywhere.",
  })
  @done()
  @problems(400)
  async logout(@Body() body: LogoutBody, @Req() req: FastifyRequest): Promise<void> {
    const { sessionId } = await this.services.identity<{ sessionId?: string }>(
      { type: 'Logout', refreshToken: body.refreshToken, ...(body.everywhere ? { everywhere: true } : {}) },
      this.anonymous.requesterOf(req),
    );
    if (sessionId) this.sessions.ended(sessionId);
  }

  @Post('password/forgot')
  @HttpCode(202)
  @ApiOperation({
    summary: 'R17: mails a reset link if the account exists; answers alike, in the same time, either way',
  })
  @answers(202, AcceptedView)
  @problems(400, 429)
  forgot(@Body() body: EmailBody, @Req() req: FastifyRequest) {
    return this.services.identity(
      { type: 'ForgotPassword', email: body.email },
      this.anonymous.requesterOf(req),
    );
  }

  @Post('password/reset')
  @HttpCode(204)
  @ApiOperation({ summary: 'R17: set a new password with the mailed token (single use); every session ends' })
  @done()
  // 404: the account the link was for was being deleted as it was used (deleting it ends its links: after, 410).
  @problems(400, 404, 410)
  async reset(@Body() body: ResetPasswordBody, @Req() req: FastifyRequest): Promise<void> {
    await this.services.identity(
      { type: 'ResetPassword', token: body.token, password: body.password },
      this.anonymous.requesterOf(req),
    );
  }
}
