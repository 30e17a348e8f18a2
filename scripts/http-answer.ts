/** What the operator commands make of an HTTP answer. */

/** The JSON answer, or an error naming the status and problem code (a proxy's HTML error page included). */
export async function answerOf<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: (T & { code?: string; title?: string }) | undefined;
  try {
    body = JSON.parse(text) as T & { code?: string; title?: string };
  } catch {
    body = undefined;
  }
  if (!res.ok || body === undefined)
    throw Object.assign(
      new Error(`${res.status} ${body?.code ?? ''}: ${body?.title ?? text.slice(0, 200)}`),
      {
        status: res.status,
      },
    );
  return body;
}
