// Error pages: a real 404 (or 400) page in the site's frame.
import { Layout, page } from './layout.tsx';

export function errorPage(status: 404 | 400 | 503, title: string, message: string): string {
  return page(
    <Layout title={title}>
      <section class="error-page">
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href="/">Back to the categories</a> or search above.
        </p>
      </section>
    </Layout>,
  );
}
