// The nginx the benches compare against: the usual WebSocket reverse proxy, one worker, every
// path it writes inside `dir`. With `tls`, it terminates TLS with that certificate (TLS 1.2–1.3).
export function nginxConfig({ dir, port, upstreamPort, files = 2048, tls = null }) {
  return `worker_processes 1;
worker_rlimit_nofile ${files};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${2 * files}; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port}${tls ? ' ssl' : ''};${tls ? `
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    ssl_protocols TLSv1.2 TLSv1.3;` : ''}
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $host;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
  }
}
`;
}
