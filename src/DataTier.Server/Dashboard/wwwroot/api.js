// Calls the admin API with the key kept in sessionStorage (this tab only; never localStorage or a cookie).
const KEY = 'datatier.adminKey';
// The page lives at /admin/ui/; the API it reads is /admin/* on the same origin.
const ADMIN = new URL('../', document.baseURI);

export class ApiError extends Error {
  constructor(status, problem, path) {
    super(problem?.detail ?? `${path} answered ${status}`);
    this.status = status;
    this.problem = problem;
    this.path = path;
  }

  // What a person should read: the problem document's title and detail, with the status.
  describe() {
    const p = this.problem;
    return p ? `${this.status} ${p.title ?? ''}: ${p.detail ?? ''}`.trim() : `${this.path} answered HTTP ${this.status}.`;
  }
}

export const storedKey = () => sessionStorage.getItem(KEY);
export const forgetKey = () => sessionStorage.removeItem(KEY);

// Stores the key only once the admin API has accepted it.
export async function login(key) {
  await request('GET', 'topology', undefined, key);
  sessionStorage.setItem(KEY, key);
}

export const get = path => request('GET', path);
export const post = (path, body) => request('POST', path, body);

async function request(method, path, body, key = storedKey()) {
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(new URL(path, ADMIN), {
    method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, json, path);
  }
  return json;
}
