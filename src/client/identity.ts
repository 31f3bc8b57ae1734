import type { CreatedToken, CreateTokenInput, IdentityApi, TokenInfo, UserInfo, WhoAmI } from '../auth/index.ts';
import { ApiClient, seg, type RemoteOptions } from './http.ts';

/** Users and API tokens over HTTP, against a ModelVault server. */
export class RemoteIdentity implements IdentityApi {
  private readonly api: ApiClient;

  constructor(opts: RemoteOptions) {
    this.api = new ApiClient(opts);
  }

  whoami(): Promise<WhoAmI> {
    return this.api.json('GET', '/auth/whoami');
  }

  addUser(name: string, opts: { displayName?: string; roles?: string[]; models?: string } = {}): Promise<UserInfo> {
    return this.api.json('POST', '/users', { json: { name, ...opts } });
  }

  getUser(name: string): Promise<UserInfo> {
    return this.api.json('GET', `/users/${seg(name)}`);
  }

  async listUsers(): Promise<UserInfo[]> {
    return (await this.api.json<{ items: UserInfo[] }>('GET', '/users')).items;
  }

  setDisabled(name: string, disabled: boolean): Promise<UserInfo> {
    return this.api.json('PUT', `/users/${seg(name)}/disabled`, { json: { disabled } });
  }

  changeRoles(name: string, change: { add?: string[]; remove?: string[]; models?: string }): Promise<UserInfo> {
    return this.api.json('POST', `/users/${seg(name)}/roles`, { json: change });
  }

  createToken(user: string | undefined, input: CreateTokenInput): Promise<CreatedToken> {
    return this.api.json('POST', '/tokens', { json: { ...input, ...(user !== undefined ? { user } : {}) } });
  }

  async listTokens(user?: string): Promise<TokenInfo[]> {
    return (await this.api.json<{ items: TokenInfo[] }>('GET', '/tokens', { query: { user } })).items;
  }

  revokeToken(id: string): Promise<TokenInfo> {
    return this.api.json('DELETE', `/tokens/${seg(id)}`);
  }
}
