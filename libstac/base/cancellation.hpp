#pragma once
// A request's "the client has gone" signal. The server cancels a request whose client hung
// up; whatever the request is waiting for (a database connection, a running query) has
// registered what to do then: leave the queue, send the database a cancel. Single-threaded:
// everything happens on the I/O thread that owns the request.
//
//   Cancellation cancel;
//   {
//     auto on_cancel = cancel.OnCancel([&] { SendCancelToDatabase(); });
//     co_await WaitForResult();
//   }  // unregistered here
//   cancel.Cancel();  // from the watcher of the client's socket

#include <functional>
#include <utility>

namespace stacfed {

class Cancellation {
 public:
  Cancellation() = default;
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  bool cancelled() const { return cancelled_; }

  // Marks the request cancelled and runs the registered action, once.
  void Cancel() {
    if (cancelled_) return;
    cancelled_ = true;
    if (action_) std::exchange(action_, nullptr)();
  }

  // Unregisters its action when it goes out of scope.
  class Registration {
   public:
    Registration(Cancellation* owner, unsigned generation)
        : owner_(owner), generation_(generation) {}
    Registration(Registration&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), generation_(other.generation_) {}
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration() {
      // A later registration's action stays.
      if (owner_ != nullptr && owner_->generation_ == generation_) owner_->action_ = nullptr;
    }

   private:
    Cancellation* owner_;
    unsigned generation_;
  };

  // Runs `action` when the request is cancelled while the registration lives (at once when
  // it is cancelled already). One action at a time: a new registration replaces the last.
  [[nodiscard]] Registration OnCancel(std::function<void()> action) {
    if (cancelled_) {
      action();
      return Registration(nullptr, 0);
    }
    action_ = std::move(action);
    return Registration(this, ++generation_);
  }

 private:
  bool cancelled_ = false;
  unsigned generation_ = 0;
  std::function<void()> action_;
};

}  // namespace stacfed
