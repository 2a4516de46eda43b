// Who may sign in to the simulated site: its built-in users (with the account lockout real sites
// apply after failed logins) and the OAuth apps registered with the portal.
import type { SimulatorApp, SimulatorUser } from './options.js';

export class Accounts {
  private readonly consecutiveFailures = new Map<string, number>();
  private readonly locked = new Set<string>();
  private failures = 0;

  constructor(
    private readonly users: readonly SimulatorUser[],
    private readonly apps: readonly SimulatorApp[],
    /** Lock an account after this many consecutive failed logins; 0 = never. */
    private readonly lockAfterFailures: number,
  ) {}

  /** Whether the password login succeeds; a failure counts toward the account's lockout. */
  checkPassword(username: string, password: string): boolean {
    const user = this.users.find((candidate) => candidate.username === username); // case-sensitive, like ArcGIS
    // A locked account gets the same answer as a wrong password: real servers don't reveal the lock.
    if (user !== undefined && user.password === password && !this.locked.has(username)) {
      this.consecutiveFailures.delete(username);
      return true;
    }
    this.failures += 1;
    const failures = (this.consecutiveFailures.get(username) ?? 0) + 1;
    this.consecutiveFailures.set(username, failures);
    if (this.lockAfterFailures > 0 && failures >= this.lockAfterFailures) this.locked.add(username);
    return false;
  }

  /** Whether these app credentials belong to a registered app (apps are never locked). */
  checkApp(clientId: string | undefined, clientSecret: string | undefined): boolean {
    const app = this.apps.find((candidate) => candidate.clientId === clientId);
    return app !== undefined && app.clientSecret === clientSecret;
  }

  isLocked(username: string): boolean {
    return this.locked.has(username);
  }

  /** Password logins refused (wrong password, unknown or locked account): what a lockout policy counts. */
  failedLogins(): number {
    return this.failures;
  }
}
