import { useState } from 'preact/hooks';
import type { Credentials } from './fabric.js';
import { useFabric } from './use-fabric.js';

/** Shown when the router wants credentials: ticket or WAMP-CRA, kept for this browser session only (sessionStorage). */
export function LoginForm({ reason }: { reason: string | null }) {
  const fabric = useFabric();
  const [authid, setAuthid] = useState('');
  const [secret, setSecret] = useState('');
  const [method, setMethod] = useState<Credentials['method']>('ticket');
  const submit = (e: Event) => {
    e.preventDefault();
    fabric.login({ authid: authid.trim(), secret, method });
  };
  return (
    <form class="create login" onSubmit={submit} aria-labelledby="login-title">
      <h2 id="login-title">Log in</h2>
      <p>The router at {fabric.url} asks who you are.</p>
      <label>
        User
        <input value={authid} onInput={(e) => setAuthid(e.currentTarget.value)} required autocomplete="username" />
      </label>
      <label>
        Secret
        <input type="password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} required autocomplete="current-password" />
      </label>
      <label>
        Method
        <select value={method} onChange={(e) => setMethod(e.currentTarget.value as Credentials['method'])}>
          <option value="ticket">Ticket</option>
          <option value="wampcra">WAMP-CRA</option>
        </select>
      </label>
      <button type="submit" class="primary">
        Log in
      </button>
      {reason && (
        <p class="error" role="alert">
          The router refused: {reason}
        </p>
      )}
    </form>
  );
}
