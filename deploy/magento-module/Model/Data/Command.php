<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Model\Data;

use Magento\Framework\Api\AbstractSimpleObject;
use SalesChannel\Reservations\Api\Data\CommandInterface;
use SalesChannel\Reservations\Api\Data\MetadataInterface;

class Command extends AbstractSimpleObject implements CommandInterface
{
    public function getReservationKey(): string
    {
        return (string)$this->_get(self::RESERVATION_KEY);
    }

    public function setReservationKey(string $reservationKey): CommandInterface
    {
        return $this->setData(self::RESERVATION_KEY, $reservationKey);
    }

    public function getStockId(): int
    {
        return (int)$this->_get(self::STOCK_ID);
    }

    public function setStockId(int $stockId): CommandInterface
    {
        return $this->setData(self::STOCK_ID, $stockId);
    }

    public function getItems(): array
    {
        return (array)($this->_get(self::ITEMS) ?? []);
    }

    public function setItems(array $items): CommandInterface
    {
        return $this->setData(self::ITEMS, $items);
    }

    public function getMetadata(): MetadataInterface
    {
        return $this->_get(self::METADATA);
    }

    public function setMetadata(MetadataInterface $metadata): CommandInterface
    {
        return $this->setData(self::METADATA, $metadata);
    }
}
