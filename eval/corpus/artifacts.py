"""Technical material that fills real support mail: stack traces, logs, configs, HTTP dumps.

None of it is personal data or a secret; much of it looks like one to a naive detector
(timestamps, IPs of private/documentation ranges, UUIDs, hashes, versions, class names).
"""

from __future__ import annotations

import json

from . import values as v
from .context import Ctx


def ts(ctx: Ctx, sep: str = "T") -> str:
    r = ctx.rng
    return f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}{sep}{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"


def java_trace(ctx: Ctx) -> str:
    r = ctx.rng
    exc = r.choice(["java.lang.NullPointerException: Cannot invoke \"com.velora.checkout.Cart.getItems()\" because \"cart\" is null",
                    "org.springframework.web.client.HttpServerErrorException$GatewayTimeout: 504 Gateway Timeout",
                    "java.util.concurrent.TimeoutException: Did not observe any item within 30000ms",
                    "com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of type `java.math.BigDecimal`"])
    frames = [
        "com.velora.checkout.service.CartService.calculateTotals(CartService.java:{n})",
        "com.velora.checkout.api.CheckoutController.submit(CheckoutController.java:{n})",
        "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:{n})",
        "jakarta.servlet.http.HttpServlet.service(HttpServlet.java:{n})",
        "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:{n})",
        "io.opentelemetry.javaagent.instrumentation.TracingFilter.doFilter(TracingFilter.java:{n})",
        "java.base/java.lang.Thread.run(Thread.java:{n})",
    ]
    lines = [f"{ts(ctx, ' ')} ERROR [http-nio-8080-exec-{r.randint(1, 40)}] c.v.c.a.CheckoutController - request failed", exc]
    lines += ["\tat " + f.format(n=r.randint(40, 900)) for f in frames[: r.randint(4, 7)]]
    lines.append(f"\t... {r.randint(12, 80)} common frames omitted")
    return "\n".join(lines)


def python_trace(ctx: Ctx) -> str:
    r = ctx.rng
    return "\n".join([
        "Traceback (most recent call last):",
        f'  File "/srv/app/sync/importer.py", line {r.randint(20, 400)}, in run',
        "    batch = client.products.list(page=page, limit=100)",
        f'  File "/srv/app/.venv/lib/python3.11/site-packages/velora_sdk/resources.py", line {r.randint(20, 400)}, in list',
        "    return self._request(\"GET\", path, params=params)",
        f'  File "/srv/app/.venv/lib/python3.11/site-packages/httpx/_client.py", line {r.randint(800, 1700)}, in send',
        "    response = self._send_handling_auth(",
        r.choice(["httpx.ReadTimeout: The read operation timed out",
                  f"velora_sdk.errors.RateLimited: 429 Too Many Requests (retry after {r.randint(1, 60)}s, request id {v.request_id(r)})",
                  "KeyError: 'variants'", "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"]),
    ])


def js_trace(ctx: Ctx) -> str:
    r = ctx.rng
    chunk = f"{v.chars(r, v.HEX, 8)}"
    return "\n".join([
        r.choice(["TypeError: Cannot read properties of undefined (reading 'price')",
                  "Error: Hydration failed because the initial UI does not match what was rendered on the server.",
                  "Unhandled Promise Rejection: FetchError: request to https://api.velora.io/v2/carts failed, reason: socket hang up",
                  "RangeError: Maximum call stack size exceeded"]),
        f"    at ProductTile (webpack-internal:///./components/ProductTile.tsx:{r.randint(10, 200)}:{r.randint(5, 60)})",
        f"    at renderWithHooks (https://{ctx.domain}/_next/static/chunks/framework-{chunk}.js:1:{r.randint(10000, 99999)})",
        f"    at mountIndeterminateComponent (https://{ctx.domain}/_next/static/chunks/framework-{chunk}.js:1:{r.randint(10000, 99999)})",
        f"    at async Promise.all (index {r.randint(0, 9)})",
        f"    at processTicksAndRejections (node:internal/process/task_queues:{r.randint(60, 99)}:{r.randint(1, 9)})",
    ])


def php_trace(ctx: Ctx) -> str:
    r = ctx.rng
    return "\n".join([
        f"[{r.randint(1, 28):02d}-Nov-2026 {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} UTC] PHP Fatal error:  Uncaught "
        + r.choice(["GuzzleHttp\\Exception\\ServerException: Server error: `POST https://api.velora.io/v2/orders` resulted in a `502 Bad Gateway` response",
                    "TypeError: Velora\\Connector\\Mapper\\PriceMapper::map(): Argument #1 ($price) must be of type float, null given"]),
        f"Stack trace:\n#0 /var/www/html/vendor/velora/connector/src/Client/OrderClient.php({r.randint(20, 300)}): GuzzleHttp\\Client->request('POST', '/v2/orders', Array)",
        f"#1 /var/www/html/vendor/velora/connector/src/Sync/OrderExporter.php({r.randint(20, 300)}): Velora\\Connector\\Client\\OrderClient->create(Object(Velora\\Connector\\Dto\\Order))",
        "#2 /var/www/html/app/code/Shop/Sync/Cron/Export.php(41): Velora\\Connector\\Sync\\OrderExporter->exportPending()",
        "#3 {main}",
        f"  thrown in /var/www/html/vendor/velora/connector/src/Client/OrderClient.php on line {r.randint(20, 300)}",
    ])


def access_log(ctx: Ctx, n: int = 4) -> str:
    r = ctx.rng
    out = []
    for _ in range(n):
        ip = r.choice([v.private_ip(r), v.doc_ip(r)])
        path = r.choice(["/api/v2/carts", "/checkout/confirm", "/de-de/p/trail-jacket-" + str(r.randint(100, 999)),
                         "/api/v2/products?limit=50&page=" + str(r.randint(1, 30)), "/health", "/graphql"])
        out.append(f'{ip} - - [{r.randint(1, 28):02d}/Nov/2026:{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} +0100] '
                   f'"{r.choice(["GET", "POST"])} {path} HTTP/1.1" {r.choice([200, 200, 499, 502, 503, 504])} {r.randint(120, 90000)} '
                   f'"-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15" rt={r.random() * 9:.3f} req_id={v.request_id(r)}')
    return "\n".join(out)


def json_log(ctx: Ctx, n: int = 3) -> str:
    r = ctx.rng
    out = []
    for _ in range(n):
        out.append(json.dumps({
            "ts": ts(ctx), "level": r.choice(["warn", "error", "info"]),
            "service": r.choice(["storefront-ssr", "checkout-api", "preview", "edge-worker"]),
            "msg": r.choice(["upstream timeout", "cache miss storm", "retrying request", "payment provider returned 503", "slow render"]),
            "trace_id": v.chars(r, v.HEX, 32), "span_id": v.chars(r, v.HEX, 16), "duration_ms": r.randint(5, 30000),
            "host": v.private_ip(r)}, separators=(",", ":")))
    return "\n".join(out)


def k8s_events(ctx: Ctx) -> str:
    r = ctx.rng
    pod = f"storefront-{v.chars(r, v.LOWER + v.DIGITS, 10)}-{v.chars(r, v.LOWER + v.DIGITS, 5)}"
    return "\n".join([
        "LAST SEEN   TYPE      REASON      OBJECT                    MESSAGE",
        f"{r.randint(1, 59)}m         Warning   BackOff     pod/{pod}   Back-off restarting failed container",
        f"{r.randint(1, 59)}m         Normal    Pulled      pod/{pod}   Container image \"registry.{ctx.domain}/shop/storefront@sha256:{v.sha256_hex(r)}\" already present on machine",
        f"{r.randint(1, 59)}m         Warning   Unhealthy   pod/{pod}   Readiness probe failed: Get \"http://{v.private_ip(r)}:3000/health\": context deadline exceeded",
    ])


def curl_dump(ctx: Ctx) -> str:
    r = ctx.rng
    return "\n".join([
        f"$ curl -sI https://www.{ctx.domain}/{r.choice(['de', 'en', 'fr'])}/",
        f"HTTP/2 {r.choice([200, 503, 502, 304])}",
        f"date: {r.choice(['Mon', 'Tue', 'Wed'])}, {r.randint(1, 28):02d} Nov 2026 {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} GMT",
        "content-type: text/html; charset=utf-8",
        f"etag: W/\"{v.chars(r, v.HEX, 20)}\"",
        f"x-cache: {r.choice(['MISS', 'HIT', 'STALE'])}, {r.choice(['MISS', 'HIT'])}",
        f"x-velora-request-id: {v.uuid4(r)}",
        f"x-served-by: cache-fra-etou{r.randint(8000, 8999)}-FRA",
        f"via: 1.1 {v.chars(r, v.HEX, 32)}.cloudfront.net (CloudFront)",
        f"x-amz-cf-id: {v.chars(r, v.ALNUM + '_-', 56)}==",
    ])


def build_log(ctx: Ctx) -> str:
    r = ctx.rng
    return "\n".join([
        f"[{ts(ctx)}] Cloning repository git@github.com:{ctx.domain.split('.')[0]}/storefront.git (ref main, commit {v.git_sha(r)})",
        f"[{ts(ctx)}] Node.js v{r.choice([18, 20, 22])}.{r.randint(0, 19)}.{r.randint(0, 9)}, pnpm {r.randint(8, 9)}.{r.randint(0, 15)}.{r.randint(0, 9)}",
        f"[{ts(ctx)}] Installing @velora/storefront-sdk@{v.version(r)} (integrity {v.sri_hash(r).replace('sha384', 'sha512')[:60]}...)",
        f"[{ts(ctx)}] Build failed: Module not found: Can't resolve '@velora/ui-kit/{r.choice(['Button', 'PriceTag', 'MiniCart'])}'",
        f"[{ts(ctx)}] Deployment {v.uuid4(r)} marked as FAILED after {r.randint(40, 900)}s",
    ])


def sql_slowlog(ctx: Ctx) -> str:
    r = ctx.rng
    return "\n".join([
        f"# Time: {ts(ctx)}",
        f"# Query_time: {r.random() * 20:.6f}  Lock_time: 0.000{r.randint(100, 999)} Rows_sent: {r.randint(1, 500)}  Rows_examined: {r.randint(10**5, 10**7)}",
        "SELECT p.id, p.sku, v.price_cents FROM product p JOIN variant v ON v.product_id = p.id "
        f"WHERE p.channel_id = {r.randint(1, 9)} AND v.updated_at > NOW() - INTERVAL 1 DAY ORDER BY p.sort_rank LIMIT 500;",
    ])


def product_csv(ctx: Ctx) -> str:
    r = ctx.rng
    rows = ["sku;name;price_eur;stock;category"]
    for _ in range(r.randint(3, 6)):
        rows.append(f"{r.choice(['NW', 'AK', 'TR'])}-{r.randint(10000, 99999)};"
                    f"{r.choice(['Trail Jacket', 'Merino Shirt', 'Down Vest', 'Hiking Boot GTX', 'Rain Cape'])} {r.choice(['Men', 'Women', 'Kids'])};"
                    f"{r.randint(19, 399)},{r.randint(0, 99):02d};{r.randint(0, 400)};{r.choice(['outdoor/jackets', 'outdoor/shoes', 'sale'])}")
    return "\n".join(rows)


def graphql_error(ctx: Ctx) -> str:
    r = ctx.rng
    return ("query ProductPage($slug: String!, $locale: Locale!) {\n  product(slug: $slug, locale: $locale) {\n"
            "    id\n    name\n    variants { sku price { centAmount currencyCode } }\n  }\n}\n\n"
            f'{{"errors":[{{"message":"Field \'centAmount\' of type Int! resolved to null","path":["product","variants",{r.randint(0, 9)},"price"],'
            f'"extensions":{{"code":"INTERNAL_SERVER_ERROR","requestId":"{v.request_id(r)}"}}}}]}}')


def terraform_plan(ctx: Ctx) -> str:
    r = ctx.rng
    return "\n".join([
        '  # velora_webhook.order_created will be updated in-place',
        '  ~ resource "velora_webhook" "order_created" {',
        f'        id          = "{v.uuid4(r)}"',
        f'      ~ url         = "https://hooks.{ctx.domain}/velora/orders" -> "https://hooks.{ctx.domain}/v2/velora/orders"',
        '        secret      = (sensitive value)',
        '    }',
        '',
        'Plan: 0 to add, 1 to change, 0 to destroy.',
    ])
