import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { ulid } from 'ulid';
import { RemoteError } from '@junction/platform/ports';
import { AuditPublisher } from '@junction/audit/contracts';
import { SESSION_AUDIENCE, SESSION_ISSUER, type CallerRef, type Role, type Session, type UserView } from '@junction/auth/contracts';
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
    if (!(await verifyPassword(user.passwordHash, input.password))) {
      await this.audit.record({
        workspaceId: user.workspaceId,
        actor: { type: 'user', id: user.id },
        action: 'user.login_failed',
        target: { type: 'user', id: user.id },
        at,
        ...ip,
      });
      throw new RemoteError('unauthenticated', 'wrong email or password');
    }
    const { kid, key } = await this.keys.current();
    const expiresAt = new Date(at.getTime() + SESSION_TTL_MS);
    const token = await new SignJWT({ ws: user.workspaceId, role: user.role })
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
}
