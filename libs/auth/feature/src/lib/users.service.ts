import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { ulid } from 'ulid';
import { RemoteError } from '@junction/platform/ports';
import { AuditPublisher } from '@junction/audit/contracts';
import {
  SESSION_AUDIENCE,
  SESSION_EPOCH_CLAIM,
  SESSION_ISSUER,
  type CallerRef,
  type Role,
  type Session,
  type SessionStatus,
  type SessionsRevoked,
  type UserDisabledState,
  type UserView,
} from '@junction/auth/contracts';
import { UserRepository, type TenantScope, type UserEntity } from '@junction/auth/data-access';
import { actorOf, assertAllowed } from './authorize';
import { burnVerification, hashPassword, verifyPassword } from './passwords';
import { SigningKeysService } from './signing-keys.service';
import { AUDIT, CLOCK, type Clock } from './tokens';

/** Lifetime of a session token, ms. */
const SESSION_TTL_MS = 60 * 60_000;

const toUserView = (u: UserEntity): UserView => ({ id: u.id, email: u.email, role: u.role as Role, createdAt: u.createdAt.toISOString() });

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly keys: SigningKeysService,
    @Inject(AUDIT) private readonly audit: AuditPublisher,
    @Inject(CLOCK) private readonly now: Clock,
  ) {}

  async create(scope: TenantScope, caller: CallerRef, input: { email: string; password: string; role: Role }): Promise<UserView> {
    assertAllowed(caller, 'users:manage');
    const email = input.email.toLowerCase();
    if (await this.users.findByEmail(email)) throw new RemoteError('conflict', 'a user with this email exists');
    const user: UserEntity = {
      id: `usr_${ulid()}`,
      workspaceId: scope.workspaceId,
      email,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      createdAt: this.now(),
      sessionEpoch: 0,
      disabledAt: null,
    };
    try {
      await this.users.insert(user);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new RemoteError('conflict', 'a user with this email exists');
      throw error;
    }
    await this.audit.record({
      workspaceId: scope.workspaceId,
      actor: actorOf(caller),
      action: 'user.created',
      target: { type: 'user', id: user.id },
      changes: { email, role: user.role },
      at: user.createdAt,
    });
    return toUserView(user);
  }

  async login(input: { email: string; password: string; ip?: string }): Promise<Session> {
    const user = await this.users.findByEmail(input.email);
    if (!user) {
      await burnVerification(input.password);
      throw new RemoteError('unauthenticated', 'wrong email or password');
    }
    const at = this.now();
    const ip = input.ip ? { ip: input.ip } : {};
    const passwordOk = await verifyPassword(user.passwordHash, input.password);
    // a disabled user gets the answer of a wrong password, after the same verification time
    if (!passwordOk || user.disabledAt) {
      await this.audit.record({
        workspaceId: user.workspaceId,
        actor: { type: 'user', id: user.id },
        action: 'user.login_failed',
        target: { type: 'user', id: user.id },
        ...(passwordOk ? { changes: { reason: 'disabled' } } : {}),
        at,
        ...ip,
      });
      throw new RemoteError('unauthenticated', 'wrong email or password');
    }
    const { kid, key } = await this.keys.current();
    const expiresAt = new Date(at.getTime() + SESSION_TTL_MS);
    const token = await new SignJWT({ ws: user.workspaceId, role: user.role, [SESSION_EPOCH_CLAIM]: user.sessionEpoch })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(SESSION_ISSUER)
      .setAudience(SESSION_AUDIENCE)
      .setSubject(user.id)
      .setJti(ulid())
      .setIssuedAt(Math.floor(at.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(key);
    await this.audit.record({ workspaceId: user.workspaceId, actor: { type: 'user', id: user.id }, action: 'user.logged_in', target: { type: 'user', id: user.id }, at, ...ip });
    return { token, expiresAt: expiresAt.toISOString(), workspaceId: user.workspaceId };
  }

  /**
   * Whether a session token the gateway verified by signature still works: its user exists, the
   * token carries the user's current epoch, and it was not logged out.
   */
  async checkSession(input: { userId: string; jti: string; epoch: number }): Promise<SessionStatus> {
    const state = await this.users.sessionState(input.userId, input.jti);
    return { active: !!state && state.epoch === input.epoch && !state.revoked && !state.disabled };
  }

  /** Logging out: a user revokes the session token it called with. */
  async revokeSession(scope: TenantScope, caller: CallerRef, input: { jti: string; expiresAt: string }): Promise<SessionStatus> {
    if (caller.kind !== 'user') throw new RemoteError('invalid_request', 'only a session token can be logged out; API keys are revoked with DELETE /v1/api-keys/{id}');
    assertAllowed(caller, 'sessions:own');
    const at = this.now();
    await this.users.revokeSession({ jti: input.jti, userId: caller.id, workspaceId: scope.workspaceId, expiresAt: new Date(input.expiresAt), revokedAt: at });
    await this.audit.record({
      workspaceId: scope.workspaceId,
      actor: actorOf(caller),
      action: 'user.logged_out',
      target: { type: 'user', id: caller.id },
      changes: { session: input.jti },
      at,
    });
    return { active: false };
  }

  /** A user changes its own password, proving the current one; every session of the user ends. */
  async changePassword(scope: TenantScope, caller: CallerRef, input: { currentPassword: string; newPassword: string }): Promise<SessionsRevoked> {
    if (caller.kind !== 'user') throw new RemoteError('invalid_request', 'a password belongs to a user: call this with a session token');
    assertAllowed(caller, 'sessions:own');
    const user = await this.users.findInWorkspace(scope.workspaceId, caller.id);
    if (!user) throw new RemoteError('not_found', 'no such user in this workspace');
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) throw new RemoteError('forbidden', 'the current password is wrong');
    await this.users.changePassword(scope.workspaceId, user.id, await hashPassword(input.newPassword));
    const at = this.now();
    await this.audit.record({
      workspaceId: scope.workspaceId,
      actor: actorOf(caller),
      action: 'user.password_changed',
      target: { type: 'user', id: user.id },
      changes: { sessionsRevoked: true },
      at,
    });
    return { userId: user.id, revokedAt: at.toISOString() };
  }

  /** An admin disables a user (no login; every session revoked) or enables it again. */
  async setDisabled(scope: TenantScope, caller: CallerRef, input: { userId: string; disabled: boolean }): Promise<UserDisabledState> {
    assertAllowed(caller, 'users:manage');
    if (input.disabled && caller.kind === 'user' && caller.id === input.userId) throw new RemoteError('invalid_request', 'a user cannot disable itself');
    const at = this.now();
    if (!(await this.users.setDisabled(scope.workspaceId, input.userId, input.disabled, at))) throw new RemoteError('not_found', 'no such user in this workspace');
    await this.audit.record({
      workspaceId: scope.workspaceId,
      actor: actorOf(caller),
      action: input.disabled ? 'user.disabled' : 'user.enabled',
      target: { type: 'user', id: input.userId },
      ...(input.disabled ? { changes: { sessionsRevoked: true } } : {}),
      at,
    });
    return { userId: input.userId, disabled: input.disabled };
  }

  /**
   * Every session token of `userId` issued so far stops working: the user itself (log out
   * everywhere) or an admin of its workspace. Changing the password and disabling the user
   * revoke them the same way (the epoch moves on).
   */
  async revokeUserSessions(scope: TenantScope, caller: CallerRef, input: { userId: string; reason: 'logout_everywhere' | 'admin' }): Promise<SessionsRevoked> {
    const self = caller.kind === 'user' && caller.id === input.userId;
    assertAllowed(caller, self && input.reason === 'logout_everywhere' ? 'sessions:own' : 'users:manage');
    if (!(await this.users.bumpSessionEpoch(scope.workspaceId, input.userId))) throw new RemoteError('not_found', 'no such user in this workspace');
    const at = this.now();
    await this.audit.record({
      workspaceId: scope.workspaceId,
      actor: actorOf(caller),
      action: 'user.sessions_revoked',
      target: { type: 'user', id: input.userId },
      changes: { reason: input.reason },
      at,
    });
    return { userId: input.userId, revokedAt: at.toISOString() };
  }
}
