<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Observer;

use Magento\Framework\Event\Observer;
use Magento\Framework\Event\ObserverInterface;
use Magento\Sales\Model\Order;
use SalesChannel\Reservations\Model\Fulfillment\OutboxWriter;

/**
 * sales_order_save_after: records an order whose state has just become canceled (the admin's
 * Cancel and POST /V1/orders/{id}/cancel both go through OrderManagement::cancel, then save the
 * order), in the transaction that saves it. order_cancel_after is not used: Order::cancel()
 * dispatches it before the order is saved, outside any transaction.
 */
class OrderCancelObserver implements ObserverInterface
{
    public function __construct(private readonly OutboxWriter $writer)
    {
    }

    public function execute(Observer $observer): void
    {
        $order = $observer->getEvent()->getData('order');
        if (!$order instanceof Order || $order->getState() !== Order::STATE_CANCELED) {
            return;
        }
        if ($order->getOrigData('state') === Order::STATE_CANCELED) {
            return; // saved again while canceled: already recorded
        }
        $this->writer->recordCancel($order);
    }
}
