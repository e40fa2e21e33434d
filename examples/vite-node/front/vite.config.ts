import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// https://vite.dev/config/
export default defineConfig({
  plugins: [react()],
  server: {
    // In a container: answer on every interface, on the one port the stack publishes.
    host: '0.0.0.0',
    port: 5173,
    strictPort: true,
    // Tickets reach each other by container name (feat-01-front), not localhost.
    allowedHosts: true,
    // Where file events do not reach the container (some VMs, WSL2, remote engines): WTDOCK_POLL=1.
    watch: { usePolling: process.env.WTDOCK_POLL === '1' },
    // The API this ticket uses: its own, or the shared one (wtdock sets API_URL).
    proxy: { '/api': process.env.API_URL ?? 'http://127.0.0.1:8080' },
  },
})
