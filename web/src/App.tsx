import { useAuth } from './auth';
import { Admin } from './pages/Admin';
import { CheckIn } from './pages/admin/CheckIn';
import { Login } from './pages/Login';
import { BookingPage } from './pages/BookingPage';
import { MyBookings } from './pages/MyBookings';
import { ShowList } from './pages/ShowList';
import { ShowPage } from './pages/ShowPage';
import { navigate, useRoute } from './router';

export function App() {
  const route = useRoute();
  const { session, logout } = useAuth();
  const show = /^\/shows\/(\d+)$/.exec(route);
  const booking = /^\/bookings\/([^/]+)$/.exec(route);

  let page;
  if (show) page = <ShowPage key={show[1]} showId={Number(show[1])} />;
  else if (route === '/login') page = <Login />;
  else if (route === '/bookings') page = session ? <MyBookings /> : <Login />;
  else if (booking) page = session ? <BookingPage key={booking[1]} bookingId={decodeURIComponent(booking[1])} /> : <Login />;
  else if (route === '/admin/check-in')
    page = session?.role === 'admin' ? <CheckIn /> : session ? <p role="alert">Only an administrator can open this page.</p> : <Login />;
  else if (route === '/admin')
    page = session?.role === 'admin' ? <Admin /> : session ? <p role="alert">Only an administrator can open this page.</p> : <Login />;
  else page = <ShowList />;

  return (
    <>
      <a href="#main" className="skip-link" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header className="topbar">
        <a href="/" className="brand">
          Tessera
        </a>
        <nav aria-label="Main">
          <a href="/">Shows</a>
          {session && <a href="/bookings">My bookings</a>}
          {session?.role === 'admin' && <a href="/admin">Admin</a>}
        </nav>
        <div className="account">
          {session ? (
            <>
              <span className="muted">{session.email}</span>{' '}
              <button
                type="button"
                onClick={() => {
                  logout();
                  navigate('/');
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <a href={route === '/login' ? '/login' : `/login?next=${encodeURIComponent(route)}`}>Sign in / register</a>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}
